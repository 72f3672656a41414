"""The top floor: the home page, navigation, messages, and the demo data of every app."""
