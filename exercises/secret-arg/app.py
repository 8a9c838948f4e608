"""Print the data fetch.py downloaded at build time."""

import json

with open("data.json", encoding="utf-8") as data:
    print("signature:", json.load(data)["signature"])
