"""What every app uses: audited saving, text limits, time formats, form and page helpers."""
