// Draws the map embedded in the page as JSON with vis-network, and wires its tools: wedges that
// open on click, the search box, the table filter and the PNG export with title and legend.
// Every text came from users: it is only ever set through textContent, never parsed as HTML,
// save the table rows of a sector, which the server writes with every text escaped.
// A hub's page (#map with data-partners) holds only its wedges: a wedge's partners and table
// rows are asked of the server when the wedge or its sector is opened, and the search box asks
// the eco-map API (data-search) for names.
(function () {
  "use strict";
  // How many circles and labels a map may hold and still be drawn a second time at once.
  const REFIT_UP_TO = 2000;
  const data = JSON.parse(document.getElementById("map-data").textContent);
  const container = document.getElementById("map");
  const details = document.getElementById("map-details");
  // Nodes and edges come written as what sets each apart from the first of its kind.
  function expand(written) {
    const items = Object.keys(written.first).map(function (kind) { return written.first[kind]; });
    return items.concat(written.rest.map(function (item) {
      return Object.assign({}, written.first[item.of], item);
    }));
  }
  // Tooltips are strings: vis-network sets a string title as the tooltip's innerText.
  const nodes = new vis.DataSet(expand(data.nodes));
  const edges = new vis.DataSet(expand(data.edges));
  const network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  const map = { network: network, nodes: nodes, edges: edges, stableAfterMs: null, open: [] };
  window.stakeholderMap = map;

  // Where each partner of a closed wedge waits, so that a search can open its wedge.
  const waiting = new Map();
  const findable = ["partner", "partner_of_partner", "organization"];
  const names = [];
  const ids = new Map();
  function known(node) {
    names.push(node);
    if (!ids.has(node.name.toLowerCase())) ids.set(node.name.toLowerCase(), node.id);
  }
  nodes.get().filter(function (node) { return findable.indexOf(node.kind) >= 0; }).forEach(known);
  function keep(wedge, written) {
    const group = { nodes: expand(written.nodes), edges: expand(written.edges) };
    data.closed[wedge] = group;
    group.nodes.forEach(function (node) { waiting.set(node.id, wedge); known(node); });
  }
  Object.keys(data.closed).forEach(function (wedge) { keep(wedge, data.closed[wedge]); });

  // A hub's sector, asked of the server once: its wedge's partners and its rows of the table.
  const asked = new Map();
  function loadSector(sector) {
    if (!container.dataset.partners) return Promise.resolve();
    if (!asked.has(sector)) {
      const address = container.dataset.partners + "&sector=" + encodeURIComponent(sector);
      asked.set(sector, fetch(address, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("the partners of " + sector + " did not come");
          return response.json();
        })
        .then(function (answer) {
          keep("wedge:" + sector, answer);
          const body = document.querySelector("tbody[data-sector='" + sector + "']");
          if (body) body.insertAdjacentHTML("beforeend", answer.rows);
          const button = document.querySelector(".show-sector[data-sector='" + sector + "']");
          if (button) {
            button.setAttribute("aria-expanded", "true");
            button.textContent = "Listed below";
            button.disabled = true;
          }
        })
        .catch(function (error) { asked.delete(sector); throw error; }));
    }
    return asked.get(sector);
  }
  map.loadSector = loadSector;

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
    // The first view is fitted before any label is measured, so a label at the edge may reach
    // past the canvas (on a phone, where the width sets the zoom). Once drawn the labels are
    // measured, and a map small enough to draw again at once is fitted again, labels and all.
    network.once("afterDrawing", function () {
      if (nodes.length > REFIT_UP_TO) return settled();
      network.once("afterDrawing", settled);
      network.fit({ animation: false });
    });
  }

  // On a map of thousands of lines the server draws dashes longer (data.dash_scale), so that
  // they keep the legend's length on the screen when the whole map fits it: each time the map
  // is zoomed by half or twice as much since, they are drawn again at the legend's length on
  // the screen, never shorter than the legend's in the map (a fraction of a pixel each, millions
  // of them take the browser seconds to draw).
  let dashScale = data.dash_scale;
  function fitDashes() {
    const wanted = Math.max(1, 1 / network.getScale());
    if (data.dash_scale === 1 || (wanted < 2 * dashScale && wanted > dashScale / 2)) return;
    dashScale = wanted;
    edges.update(edges.get({ filter: function (edge) { return data.dashes[edge.state]; } })
      .map(function (edge) {
        return { id: edge.id, dashes: data.dashes[edge.state].map(function (d) {
          return Math.round(d * dashScale);
        }) };
      }));
  }
  let zooming;
  network.on("zoom", function () {
    clearTimeout(zooming);
    zooming = setTimeout(fitDashes, 200);
  });
  map.fitDashes = fitDashes;

  function titleOf(id) {
    const item = nodes.get(id) || edges.get(id);
    return item && item.title ? item.title : null;
  }
  // What the agency's latest survey round says of each partner, where the page gives it.
  const surveyData = document.getElementById("map-survey");
  const said = surveyData ? JSON.parse(surveyData.textContent) : {};
  function saidOf(id) {
    const edge = edges.get(id);
    const ends = edge ? [edge.to, edge.from] : [id];
    const partner = ends.find(function (end) { return Object.hasOwn(said, String(end)); });
    return partner === undefined ? null : said[String(partner)];
  }
  function showDetails(id) {
    details.textContent = titleOf(id) || details.dataset.hint;
    const words = saidOf(id);
    if (words) {
      const partnersSay = document.createElement("p");
      partnersSay.className = "partners-say";
      partnersSay.textContent = words;
      details.appendChild(partnersSay);
    }
    // A partner's row in the table below links to its relationship's history, where those who
    // may assess or end it find the forms: the details of a partner offer the same link.
    const onward = document.getElementById("map-details-link");
    if (!onward) return;
    onward.replaceChildren();
    const rows = document.querySelectorAll("tr[data-org-id] a.relationship-link");
    const row = Array.prototype.find.call(rows, function (link) {
      return link.closest("tr").dataset.orgId === String(id);
    });
    if (row) {
      const link = document.createElement("a");
      link.href = row.getAttribute("href");
      link.textContent = "History of this relationship; assess or end it";
      onward.appendChild(link);
    }
  }

  // Opens a closed wedge (its partners drawn at the places computed on the server, asked of it
  // first on a hub's page), or closes an open one; answers whether it is open now.
  function openWedge(wedge, open) {
    const node = nodes.get(wedge);
    const loaded = node && node.kind === "sector" ? loadSector(node.sector) : Promise.resolve();
    return loaded.then(function () { return toggleWedge(wedge, open); });
  }
  map.openWedge = openWedge;
  function toggleWedge(wedge, open) {
    const group = data.closed[wedge];
    if (!group) return false;
    const isOpen = map.open.indexOf(wedge) >= 0;
    if (open === isOpen) return isOpen;
    if (isOpen) {
      edges.remove(group.edges.map(function (edge) { return edge.id; }));
      nodes.remove(group.nodes.map(function (node) { return node.id; }));
      map.open.splice(map.open.indexOf(wedge), 1);
    } else {
      nodes.add(group.nodes);
      edges.add(group.edges);
      map.open.push(wedge);
    }
    container.dataset.open = map.open.join(" ");
    return !isOpen;
  }
  map.toggleWedge = toggleWedge;

  network.on("click", function (event) {
    const id = event.nodes.length ? event.nodes[0] : event.edges[0];
    const node = event.nodes.length ? nodes.get(id) : null;
    showDetails(id);
    if (node && node.kind === "sector") {
      openWedge(id, map.open.indexOf(id) < 0).then(function (open) {
        if (open) {
          network.fit({ nodes: [id].concat(data.closed[id].nodes.map(function (n) { return n.id; })),
                        animation: false });
        }
        showDetails(id);
      });
    }
  });

  const finder = document.getElementById("find-form");
  if (finder) {
    const input = document.getElementById("find-node");
    const result = document.getElementById("find-result");
    // The suggestions under a box, filled the first time it is used: names to find, or the
    // ids of the organizations to focus on, each with its name.
    function suggest(box, list, value, label) {
      if (!box) return;
      box.addEventListener("focus", function () {
        if (list.childElementCount) return;
        names.slice().sort(function (a, b) { return a.name < b.name ? -1 : 1; })
          .forEach(function (node) {
            const option = document.createElement("option");
            option.value = node[value];
            if (label) option.label = node[label];
            list.appendChild(option);
          });
      });
    }
    if (!container.dataset.search) suggest(input, document.getElementById("map-names"), "name", null);
    suggest(document.getElementById("focus"), document.getElementById("focus-names"), "id", "name");
    function find(text) {
      const wanted = text.trim().toLowerCase();
      if (!wanted) return null;
      if (ids.has(wanted)) return ids.get(wanted);
      for (const [name, id] of ids) { if (name.indexOf(wanted) >= 0) return id; }
      return null;
    }
    // On a hub's page, the partners whose name holds the text, asked of the eco-map API.
    function search(text) {
      const address = container.dataset.search + "&limit=20&q=" + encodeURIComponent(text);
      return fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { partners: [] }; })
        .then(function (answer) { return answer.partners; });
    }
    function located(text) {
      const id = find(text);
      if (id !== null || !container.dataset.search || !text.trim()) return Promise.resolve(id);
      return search(text.trim()).then(function (partners) {
        const wanted = text.trim().toLowerCase();
        const best = partners.find(function (p) {
          return p.organization.name.toLowerCase() === wanted;
        }) || partners[0];
        if (!best) return null;
        return loadSector(best.organization.sector).then(function () {
          return best.organization.id;
        });
      });
    }
    function highlight(event) {
      if (event) event.preventDefault();
      located(input.value).then(function (id) {
        if (id === null || !waiting.has(id) && !nodes.get(id)) {
          result.textContent = "No organization on this map has that name.";
          return;
        }
        if (waiting.has(id)) toggleWedge(waiting.get(id), true);
        network.selectNodes([id]);
        network.focus(id, { scale: 1.2, animation: false });
        fitDashes();
        showDetails(id);
        result.textContent = "Found: " + titleOf(id).split("\n")[0];
        map.found = id;
      });
    }
    finder.addEventListener("submit", highlight);
    input.addEventListener("change", function () { if (ids.has(input.value.toLowerCase())) highlight(); });
    if (container.dataset.search) {
      // The names of a hub's partners are too many to ship: suggest those that hold the text.
      let timer;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        const typed = input.value.trim();
        if (typed.length < 2) return;
        timer = setTimeout(function () {
          search(typed).then(function (partners) {
            if (typed !== input.value.trim()) return;
            document.getElementById("map-names").replaceChildren.apply(
              document.getElementById("map-names"),
              partners.map(function (p) {
                const option = document.createElement("option");
                option.value = p.organization.name;
                return option;
              }));
          });
        }, 150);
      });
    }
  }

  // The table comes after this script in the page: wired once it is all there.
  document.addEventListener("DOMContentLoaded", function () {
    const filter = document.getElementById("table-filter");
    filter.addEventListener("input", function () {
      const wanted = filter.value.trim().toLowerCase();
      // The rows of the moment: a hub's table grows as its sectors are opened.
      document.querySelectorAll("#" + filter.dataset.table + " tbody tr:not(.sector-row)")
        .forEach(function (row) {
          row.hidden = wanted !== "" && row.textContent.toLowerCase().indexOf(wanted) < 0;
        });
    });
    document.querySelectorAll(".show-sector").forEach(function (button) {
      button.addEventListener("click", function () { loadSector(button.dataset.sector); });
    });
    const every = document.getElementById("show-every-sector");
    if (every) {
      every.addEventListener("click", function () {
        every.disabled = true;
        const sectors = Array.prototype.map.call(document.querySelectorAll(".show-sector"),
          function (button) { return button.dataset.sector; });
        sectors.reduce(function (done, sector) {
          return done.then(function () { return loadSector(sector); });
        }, Promise.resolve());
      });
    }
  });

  // A picture for a report: the title, the day and profile above the map, the legend below.
  function picture() {
    const canvas = container.querySelector("canvas");
    const scale = window.devicePixelRatio || 1;
    const head = 70 * scale;
    const rowHeight = 22 * scale;
    const foot = (24 + data.legend.length * 22 + 16) * scale;
    const copy = document.createElement("canvas");
    copy.width = Math.max(canvas.width, 760 * scale);
    copy.height = canvas.height + head + foot;
    const context = copy.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, copy.width, copy.height);
    context.fillStyle = "#1f2933";
    context.font = "600 " + 22 * scale + "px system-ui, sans-serif";
    context.fillText(data.title, 16 * scale, 30 * scale);
    context.font = 14 * scale + "px system-ui, sans-serif";
    context.fillStyle = "#486581";
    context.fillText(data.subtitle, 16 * scale, 54 * scale);
    context.drawImage(canvas, 0, head);
    let y = head + canvas.height + 20 * scale;
    context.font = "600 " + 13 * scale + "px system-ui, sans-serif";
    context.fillStyle = "#1f2933";
    context.fillText("Legend", 16 * scale, y);
    context.font = 12 * scale + "px system-ui, sans-serif";
    data.legend.forEach(function (entry) {
      y += rowHeight;
      context.beginPath();
      context.arc(24 * scale, y - 4 * scale, 7 * scale, 0, 2 * Math.PI);
      context.fillStyle = entry.fill;
      context.fill();
      context.lineWidth = 2 * scale;
      context.strokeStyle = entry.colour;
      context.stroke();
      context.beginPath();
      context.setLineDash(entry.dashes.map(function (d) { return d * scale; }));
      context.lineWidth = 3 * scale;
      context.moveTo(40 * scale, y - 4 * scale);
      context.lineTo(90 * scale, y - 4 * scale);
      context.stroke();
      context.setLineDash([]);
      context.fillStyle = "#1f2933";
      context.fillText(entry.text, 100 * scale, y);
    });
    return copy;
  }
  map.picture = picture;

  const print = document.getElementById("print-map");
  if (print) print.addEventListener("click", function () { window.print(); });

  const png = document.getElementById("export-png");
  if (png) {
    png.addEventListener("click", function () {
      picture().toBlob(function (blob) {
        const link = document.createElement("a");
        link.download = png.dataset.filename;
        link.href = URL.createObjectURL(blob);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      }, "image/png");
    });
  }
})();
