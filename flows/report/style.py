"""Style of the report's summary, money, tilbudsvifte and glossary parts (appended to
the page's CSS): tables wrap instead of overflowing the page."""

EXTRA_CSS = """
table.summary td,table.money td{white-space:normal}
.nowrap{white-space:nowrap}
table.summary td.num,table.money td.num{text-align:right}
table.overview td small,table.summary td small{color:#555}
.cannot{color:#666;font-style:italic;white-space:normal}
.banner{background:#fff4e5;border-left:4px solid #d9822b;padding:8px 12px;font-weight:600}
section{overflow-x:auto}
table.sensitivity{font-size:.88em}
dl.glossary dt{font-weight:600;margin-top:.5em}dl.glossary dd{margin-left:1.2em}
.chart .quadrant{font-size:11px;fill:#777;font-style:italic}
"""
