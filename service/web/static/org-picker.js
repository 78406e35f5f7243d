// Organization names as the user types: each input[data-org-picker] gets its <datalist>
// filled with the few organizations whose name holds what was typed, asked of the
// organizations API; the network is far too large to ship every name with the page.
for (const input of document.querySelectorAll("input[data-org-picker]")) {
  const list = document.getElementById(input.getAttribute("list"));
  const status = document.getElementById(input.dataset.orgPickerStatus);
  let timer;
  let asked = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const typed = input.value.trim();
      if (typed.length < 2 || typed === asked) return;
      asked = typed;
      const query = new URLSearchParams({ q: typed, limit: "20" });
      const response = await fetch(`/api/v1/organizations?${query}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok || typed !== input.value.trim()) return;
      const found = (await response.json()).items;
      const names = found.map((org) => org.name);
      list.replaceChildren(
        ...found.map((org) => {
          const option = document.createElement("option");
          const shared = names.indexOf(org.name) !== names.lastIndexOf(org.name);
          option.value = shared && org.region ? `${org.name} (${org.region})` : org.name;
          option.label = [org.sector, org.region].filter(Boolean).join(" · ");
          return option;
        }),
      );
      if (status) status.textContent = `${found.length} organization${found.length === 1 ? "" : "s"} found`;
    }, 150);
  });
}
