"""Planning (抽查计划): plans, their checklists, the draw of facilities and inspectors."""
