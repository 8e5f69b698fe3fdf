// The waiting-room screen refreshes itself: every data-interval seconds it asks data-src for
// the numbers called and next, and writes them into the page. Without JavaScript the page
// shows the same figures and a "Refresh" link.

function numbers(target, values) {
  const shown = values.length ? values.map(String) : ["—"];
  // Unchanged numbers are left alone, so that screen readers announce only real changes.
  const current = [...target.querySelectorAll("span")].map((span) => span.textContent.trim());
  if (current.join(" ") === shown.join(" ")) return;
  target.replaceChildren(
    ...shown.map((value) => {
      const span = document.createElement("span");
      if (value !== "—") span.className = "help-number";
      span.textContent = String(value);
      return span;
    }),
  );
}

function clock() {
  return new Date().toLocaleTimeString("vi-VN", { hour12: false });
}

async function refresh(screen) {
  try {
    const response = await fetch(screen.dataset.src, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    numbers(screen.querySelector("[data-called]"), data.called);
    numbers(screen.querySelector("[data-next]"), data.next);
    const waiting = screen.querySelector("[data-waiting]");
    if (waiting.textContent !== String(data.waiting)) waiting.textContent = String(data.waiting);
    const updated = document.querySelector("[data-updated]");
    if (updated) updated.textContent = clock();
  } catch {
    // A dropped connection is retried at the next interval.
  }
}

for (const screen of document.querySelectorAll("[data-queue-screen]")) {
  const seconds = Math.max(Number(screen.dataset.interval) || 10, 3);
  setInterval(() => {
    if (!document.hidden) refresh(screen);
  }, seconds * 1000);
}
