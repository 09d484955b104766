"""What a Report becomes: the JSON and CSV renderings, exports and spreadsheets, the CI gate,
report diffs, and sample requests re-read from their log files."""
