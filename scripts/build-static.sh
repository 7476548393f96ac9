#!/usr/bin/env bash
# Copy the npm front-end packages into the Django static tree (never committed).
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/fupin/static/vendor
mkdir -p "$out"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx.min.js"
cp node_modules/echarts/dist/echarts.min.js "$out/echarts.min.js"
cp node_modules/@picocss/pico/css/pico.min.css "$out/pico.min.css"
