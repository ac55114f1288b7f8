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
# The API documentation page (/api/docs): Swagger UI's bundle and stylesheet (Apache 2.0, with its NOTICE).
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js core/static/vendor/swagger-ui-bundle.js
cp node_modules/swagger-ui-dist/swagger-ui.css core/static/vendor/swagger-ui.css
cp node_modules/swagger-ui-dist/LICENSE core/static/vendor/swagger-ui-dist.LICENSE
cp node_modules/swagger-ui-dist/NOTICE core/static/vendor/swagger-ui-dist.NOTICE
echo "vendored: hls.js $(node -p 'require("hls.js/package.json").version'), tus-js-client $(node -p 'require("tus-js-client/package.json").version'), swagger-ui-dist $(node -p 'require("swagger-ui-dist/package.json").version')"
