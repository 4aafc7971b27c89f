"""The 督查通报 report: figures of a period, and the documents written from them."""
