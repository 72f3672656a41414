from .library import load_library


def seed(log):
    published, unchanged = load_library()
    log(f"checklists: {len(published)} library templates published, {len(unchanged)} unchanged")
