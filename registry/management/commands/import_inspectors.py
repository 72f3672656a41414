from ._import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import the inspector directory (执法检查人员名录库) from .xlsx or .csv. All or "
        "nothing: any bad cell is reported with its row and column and nothing is written. "
        "Existing inspectors are updated by username."
    )
    kind = "inspectors"
