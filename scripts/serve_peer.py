#!/usr/bin/env python3
"""The Python peer of scripts/bench-serve: a minimal model server on the standard library's
http.server (one thread per connection, HTTP/1.1 kept alive) that answers TensorFlow Serving's
row-format predict, {"instances": [...]} -> {"predictions": [...]}, by calling the SavedModel's
serving_default signature with TensorFlow. Only what the benchmark needs: no versions, no errors
beyond 400/404.

    python scripts/serve_peer.py --port 8502 --model_name mnist --model_dir DIR
"""
import argparse
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--model_name", required=True)
    ap.add_argument("--model_dir", required=True)
    args = ap.parse_args()
    loaded = tf.saved_model.load(args.model_dir)
    infer = loaded.signatures["serving_default"]
    (input_name,) = infer.structured_input_signature[1].keys()
    path = "/v1/models/%s:predict" % args.model_name

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each reply waits ~40 ms on the client's delayed ACK

        def log_message(self, *a):
            pass

        def reply(self, code, payload):
            body = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self.reply(200, {"status": "ready"})

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path != path:
                self.reply(404, {"error": "Servable not found"})
                return
            try:
                x = np.asarray(json.loads(body)["instances"], dtype=np.float32)
                out = infer(**{input_name: tf.constant(x)})
                (y,) = out.values()
                self.reply(200, {"predictions": y.numpy().tolist()})
            except Exception as e:  # noqa: BLE001 - a benchmark peer answers every error
                self.reply(400, {"error": str(e)})

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print("serving %s on http://%s:%d" % (args.model_name, args.host, args.port), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
