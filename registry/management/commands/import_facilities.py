from ._import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import the facility directory (检查对象名录库) from .xlsx or .csv. All or nothing: "
        "any bad cell is reported with its row and column and nothing is written. "
        "Existing facilities are updated by credit code."
    )
    kind = "facilities"
