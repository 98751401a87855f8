// The findings map: markers from the page's GeoJSON endpoint, coloured by state. Tiles are
// optional ([ui] map_tile_url); without them, or when they cannot load, the markers still show.
(function () {
  "use strict";
  var element = document.getElementById("fc-map");
  if (!element || typeof L === "undefined") {
    return;
  }
  var colours = {
    open: "#1565c0",
    completion_reported: "#b26a00",
    closed: "#546e7a",
    overdue: "#c62828",
    record: "#2e7d32"
  };
  var status = document.getElementById("fc-map-status");
  var map = L.map(element).setView([24.78, 112.38], 11);
  var tiles = element.getAttribute("data-tiles");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  }

  function popup(properties) {
    var box = document.createElement("div");
    var title = document.createElement("div");
    title.className = "fw-semibold";
    title.textContent = properties.title;
    var meta = document.createElement("div");
    meta.className = "small";
    meta.textContent = properties.label + " · " + properties.unit;
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = element.getAttribute("data-open");
    box.appendChild(title);
    box.appendChild(meta);
    box.appendChild(link);
    return box;
  }

  fetch(element.getAttribute("data-geojson"), { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error(response.status);
      }
      return response.json();
    })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          var colour = colours[feature.properties.state] || "#333";
          return L.circleMarker(latlng, {
            radius: feature.properties.kind === "record" ? 6 : 9,
            color: "#fff", weight: 2, fillColor: colour, fillOpacity: 0.9,
            className: "fc-marker fc-marker-" + feature.properties.state
          });
        },
        onEachFeature: function (feature, marker) {
          marker.bindPopup(popup(feature.properties));
        }
      }).addTo(map);
      element.setAttribute("data-markers", String(data.features.length));
      if (data.features.length) {
        map.fitBounds(layer.getBounds(), { padding: [30, 30], maxZoom: 15 });
      } else if (status) {
        status.textContent = element.getAttribute("data-empty");
      }
    })
    .catch(function () {
      element.setAttribute("data-markers", "error");
    });
})();
