#!/usr/bin/env bash
# Copy the pinned npm packages' distributable files into core/static/vendor (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
src=node_modules
dst=core/static/vendor
rm -rf "$dst.tmp"
mkdir -p "$dst.tmp"/{bootstrap,bootstrap-icons,leaflet,chart.js,htmx,swagger-ui}
cp "$src/bootstrap/dist/css/bootstrap.min.css" "$src/bootstrap/dist/css/bootstrap.min.css.map" "$dst.tmp/bootstrap/"
cp "$src/bootstrap/dist/js/bootstrap.bundle.min.js" "$src/bootstrap/dist/js/bootstrap.bundle.min.js.map" "$dst.tmp/bootstrap/"
cp "$src/bootstrap-icons/font/bootstrap-icons.min.css" "$dst.tmp/bootstrap-icons/"
cp -r "$src/bootstrap-icons/font/fonts" "$dst.tmp/bootstrap-icons/"
cp -r "$src/leaflet/dist/." "$dst.tmp/leaflet/"
cp "$src/chart.js/dist/chart.umd.min.js" "$dst.tmp/chart.js/" 2>/dev/null || cp "$src/chart.js/dist/chart.umd.js" "$dst.tmp/chart.js/chart.umd.min.js"
cp "$src/htmx.org/dist/htmx.min.js" "$dst.tmp/htmx/"
for f in swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js favicon-32x32.png; do
  cp "$src/swagger-ui-dist/$f" "$dst.tmp/swagger-ui/"
done
rm -rf "$dst"
mv "$dst.tmp" "$dst"
echo "assets copied to $dst"
