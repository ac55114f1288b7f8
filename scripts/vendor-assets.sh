#!/usr/bin/env bash
# Copy the browser libraries Amphi serves from npm's node_modules into core/static/vendor,
# so the embedded default runs without npm. Run after changing versions in package.json.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --silent
mkdir -p core/static/vendor
cp node_modules/hls.js/dist/hls.min.js core/static/vendor/hls.min.js
cp node_modules/tus-js-client/dist/tus.min.js core/static/vendor/tus.min.js
cp node_modules/hls.js/LICENSE core/static/vendor/hls.js.LICENSE
cp node_modules/tus-js-client/LICENSE core/static/vendor/tus-js-client.LICENSE
echo "vendored: hls.js $(node -p 'require("hls.js/package.json").version'), tus-js-client $(node -p 'require("tus-js-client/package.json").version')"
