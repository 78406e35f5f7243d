// Draws the map embedded in the page as JSON with vis-network, and wires its tools.
// Every text came from users: it is only ever set through textContent, never parsed as HTML.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("map-data").textContent);
  const container = document.getElementById("map");
  const details = document.getElementById("map-details");
  const texts = new Map();

  function plain(text) {
    const box = document.createElement("div");
    box.className = "map-tooltip";
    box.textContent = text;
    return box;
  }

  function withPlainTitle(item) {
    texts.set(item.id, item.title);
    return Object.assign({}, item, { title: plain(item.title) });
  }

  const nodes = new vis.DataSet(data.nodes.map(withPlainTitle));
  const edges = new vis.DataSet(data.edges.map(withPlainTitle));
  const network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  const map = { network: network, nodes: nodes, edges: edges, stableAfterMs: null };
  window.stakeholderMap = map;

  function settled() {
    if (map.stableAfterMs === null) {
      map.stableAfterMs = performance.now();
      container.dataset.stable = "true";
    }
  }
  if (data.options.physics.enabled) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: false });
      settled();
    });
  } else {
    network.once("afterDrawing", settled);
  }

  function showDetails(id) {
    details.textContent = texts.has(id) ? texts.get(id) : details.dataset.hint;
  }
  network.on("click", function (event) {
    showDetails(event.nodes.length ? event.nodes[0] : event.edges[0]);
  });

  const finder = document.getElementById("find-node");
  if (finder) {
    finder.addEventListener("change", function () {
      if (!finder.value) return;
      network.selectNodes([finder.value]);
      network.focus(finder.value, { scale: 1.1, animation: true });
      showDetails(finder.value);
    });
  }

  const png = document.getElementById("export-png");
  if (png) {
    png.addEventListener("click", function () {
      const canvas = container.querySelector("canvas");
      const copy = document.createElement("canvas");
      copy.width = canvas.width;
      copy.height = canvas.height;
      const context = copy.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, copy.width, copy.height);
      context.drawImage(canvas, 0, 0);
      copy.toBlob(function (blob) {
        const link = document.createElement("a");
        link.download = png.dataset.filename;
        link.href = URL.createObjectURL(blob);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      }, "image/png");
    });
  }
})();
