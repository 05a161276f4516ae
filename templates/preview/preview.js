/* The live preview's script: `factsheet serve` only (generator/preview.py adds it while serving; the
   published site and the offline bundles never have it). No inline code, no eval: it runs under any
   Content-Security-Policy that allows the site's own scripts.
   1. The check's problems: problems.json, beside this file, holds what `factsheet check --format json`
      reports, [] when the check passes. When it is not empty, every page shows a box listing them, at
      the top of the page below the header (the page's title below it).
      They quote the files, so they are only ever written as text.
   2. On a source page (<meta name="factsheet-source">), selecting words of the article offers them as a
      citation to paste into a fact file, taken from the article's paragraphs only (not the marks,
      anchors and hidden text around them) and written as the check reads it. */
(function () {
  "use strict";
  var here = document.currentScript ? document.currentScript.src : location.href;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // 1. The check's problems.
  var SHOWN = 20;
  function showProblems(list) {
    if (!Array.isArray(list) || list.length === 0) return;
    var n = list.length;
    var errors = list.filter(function (d) { return d.severity === "error"; }).length;
    var box = el("section", "fs-preview-problems" + (errors ? "" : " fs-preview-warnings"));
    box.id = "fs-preview-problems";
    box.setAttribute("role", "alert");
    if (errors) {
      box.appendChild(el("h2", null, "factsheet check found " + n + " problem" + (n === 1 ? "" : "s") +
        ": this preview shows the pages as they were before"));
      box.appendChild(el("p", null, "Fix the file at the place given and save it. The page reloads by " +
        "itself, and this box goes away when the check passes."));
    } else {
      box.appendChild(el("h2", null, "factsheet check: " + n + " warning" + (n === 1 ? "" : "s") +
        ". The pages are up to date, but the pull request's build stops on warnings"));
      box.appendChild(el("p", null, "Fix the file at the place given and save it; this box goes away " +
        "when the warnings do."));
    }
    var ul = el("ul");
    list.slice(0, SHOWN).forEach(function (d) {
      var li = el("li");
      li.appendChild(el("code", "fs-preview-where", d.path + ":" + d.line + ":" + d.col));
      li.appendChild(document.createTextNode(" " + d.severity + ": " + d.message + " [" + d.code + "]"));
      if (d.hint) li.appendChild(el("div", "fs-preview-hint", "hint: " + d.hint));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    if (n > SHOWN) box.appendChild(el("p", null, "… and " + (n - SHOWN) + " more: factsheet check lists them all."));
    // Below the header, before the page: it pushes the page down rather than covering its title.
    var page = document.querySelector(".md-container");
    if (page && page.parentNode) page.parentNode.insertBefore(box, page);
    else document.body.insertBefore(box, document.body.firstChild);
  }
  fetch(new URL("problems.json", here), { cache: "no-store" })
    .then(function (r) { return r.ok ? r.json() : []; })
    .then(showProblems)
    .catch(function () {});

  // 2. Quotes picked from the article.
  var meta = document.querySelector('meta[name="factsheet-source"]');
  var article = document.querySelector(".fs-article");
  if (!meta || !article) return;
  var source = meta.getAttribute("content");
  var MAX = 3000; // characters of a quote (model.Quote)
  var SKIP = "a, sup, .fs-sr, [hidden], [aria-hidden='true']"; // never the article's words
  var BREAKS = /[\t\n\v\f\r \u0085\u2028\u2029]+/g; // runs of these are one space, as the check folds them

  // The selected words, from the article's paragraphs only.
  function selectedWords(range) {
    var parts = [];
    article.querySelectorAll("p.fs-paragraph").forEach(function (p) {
      if (!range.intersectsNode(p)) return;
      var text = "";
      var walk = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
      for (var n = walk.nextNode(); n; n = walk.nextNode()) {
        var skip = n.parentElement.closest(SKIP);
        if ((skip && p.contains(skip)) || !range.intersectsNode(n)) continue;
        var a = n === range.startContainer ? range.startOffset : 0;
        var b = n === range.endContainer ? range.endOffset : n.data.length;
        text += n.data.slice(a, b);
      }
      parts.push(text);
    });
    return parts.join(" ").replace(BREAKS, " ").trim();
  }

  // As generator/quotes.py folds text to match a quote: typographic quotes and dashes, whitespace.
  function fold(text) {
    return text.replace(/[‘’‚‛′`]/g, "'").replace(/[“”„‟″«»]/g, '"')
      .replace(/[‐‑‒–—―−]/g, "-").split(/\s+/).filter(Boolean).join(" ");
  }

  // A YAML double-quoted scalar that reads back as `text`: \ and " escaped, characters YAML cannot hold
  // raw as escapes; everything else (curly quotes, dashes, accents) as the article has it.
  function yamlString(text) {
    return '"' + text.replace(/[\\"]/g, "\\$&").replace(
      /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g,
      function (c) { return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4); }) + '"';
  }

  function citation(words) {
    return "- source: " + source + "\n  quote: " + yamlString(words) + "\n";
  }

  var box = el("aside", "fs-preview-cite");
  box.id = "fs-preview-cite";
  box.setAttribute("aria-label", "Citation of the selected words");
  box.hidden = true;
  var title = el("p", "fs-preview-cite-title", "Cite these words: copy this into the fact's citations");
  var code = el("pre", "fs-preview-cite-text");
  var note = el("p", "fs-preview-cite-note");
  var copy = el("button", "fs-preview-copy", "Copy");
  copy.type = "button";
  var close = el("button", null, "Close");
  close.type = "button";
  var status = el("span", "fs-preview-cite-status");
  status.setAttribute("role", "status");
  [title, code, note, copy, close, status].forEach(function (e) { box.appendChild(e); });
  document.body.appendChild(box);

  var folded = null;
  function occurrences(words) {
    if (folded === null) {
      folded = fold(Array.prototype.map.call(article.querySelectorAll("p.fs-paragraph"), function (p) {
        return selectedWordsOf(p);
      }).join(" "));
    }
    var needle = fold(words), count = 0, at = folded.indexOf(needle);
    while (at >= 0 && count < 2) { count += 1; at = folded.indexOf(needle, at + 1); }
    return count;
  }
  function selectedWordsOf(p) {
    var r = document.createRange();
    r.selectNodeContents(p);
    return selectedWords(r);
  }

  function update() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    var range = sel.getRangeAt(0);
    if (!range.intersectsNode(article)) return;
    var words = selectedWords(range);
    if (!words) return;
    code.textContent = citation(words);
    var n = occurrences(words);
    note.textContent = words.length > MAX ? "Too long: a quote has at most " + MAX + " characters; select fewer words."
      : n > 1 ? "These words occur more than once in the article: select a few more, so the quote is unique."
      : "";
    status.textContent = "";
    box.hidden = false;
  }

  var timer = null;
  document.addEventListener("selectionchange", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  });
  // Clicking the buttons must not lose the selection the citation was made from.
  box.addEventListener("mousedown", function (e) { if (e.target.closest("button")) e.preventDefault(); });
  close.addEventListener("click", function () { box.hidden = true; });
  copy.addEventListener("click", function () {
    var text = code.textContent;
    function done() { status.textContent = "Copied."; }
    function fallback() {
      var r = document.createRange();
      r.selectNodeContents(code);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(r);
      status.textContent = document.execCommand("copy") ? "Copied." : "Select the text above and copy it.";
    }
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  });

  window.factsheetPreview = { citation: citation, yamlString: yamlString, fold: fold };
})();
