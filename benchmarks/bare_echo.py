"""The baseline: a bare Flask endpoint that parses the same JSON and returns it."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/echo")
def echo():
    return jsonify(request.get_json())
