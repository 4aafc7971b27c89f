/*
 * zzxt knowledge base: FAQ search in the browser.
 *
 * Ranks the index that `mkdocs build` exports (search/zzxt-index.js, written by
 * tracker/kb/mkdocs_hook.py from tracker/kb/search.py) exactly as
 * `zzxt faq search` and the triage bot do. The ranking half mirrors
 * tracker/kb/ranking.py step by step: keep the two in step.
 *
 * The results appear in the theme's search dialog (in place of the theme's own
 * engine, whose index is left empty) and under the home page's search box. No
 * request leaves the site: the index is a script next to this one, loaded on
 * first use, which also works from file://.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var SITE = new URL("../", script.src);
  var INDEX = new URL("search/zzxt-index.js", SITE);
  var LIMIT = 10;

  /* ---------------------------------------------------------------------
   * Ranking: a mirror of tracker/kb/ranking.py
   * ------------------------------------------------------------------- */

  var BLOCK = /([\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+)/;
  var BLOCK_WHOLE = /^[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+$/;
  var ENG = /^[a-zA-Z0-9]$/;
  var HAN_RUN = /[\u3400-\u4dbf\u4e00-\u9fff]+/g;
  var WORDLIKE = /[\p{L}\p{N}]/u;
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

  function normalise(text) {
    return text.normalize("NFKC").toLowerCase();
  }

  function grams(text) {
    var out = [];
    var runs = text.normalize("NFKC").match(HAN_RUN) || [];
    runs.forEach(function (run) {
      for (var i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
    });
    return out;
  }

  function Segmenter(data) {
    var costs = new Map();
    var known = new Set();
    data.words.forEach(function (word, i) {
      costs.set(word, data.costs[i]);
      known.add(word);
    });
    data.extra.forEach(function (word) {
      if (!costs.has(word)) costs.set(word, data.unknown);
    });
    var prefixes = new Set();
    costs.forEach(function (_, word) {
      for (var i = 1; i <= word.length; i++) prefixes.add(word.slice(0, i));
    });
    this.costs = costs;
    this.known = known;
    this.prefixes = prefixes;
    this.unknown = data.unknown;
    this.stopwords = new Set(data.stopwords);
    this.synonyms = new Map(Object.entries(data.synonyms));
  }

  Segmenter.prototype.route = function (text) {
    var n = text.length;
    var best = new Array(n + 1).fill(0);
    var step = new Array(n + 1).fill(0);
    for (var i = n - 1; i >= 0; i--) {
      var ends = [];
      for (var j = i + 1; j <= n && this.prefixes.has(text.slice(i, j)); j++) {
        if (this.costs.has(text.slice(i, j))) ends.push(j);
      }
      if (!ends.length) ends.push(i + 1);
      var choice = 0;
      var choiceCost = 0;
      for (var k = 0; k < ends.length; k++) {
        var end = ends[k];
        var word = text.slice(i, end);
        var total = (this.costs.has(word) ? this.costs.get(word) : this.unknown) + best[end];
        if (choice === 0 || total < choiceCost || (total === choiceCost && end > choice)) {
          choice = end;
          choiceCost = total;
        }
      }
      best[i] = choiceCost;
      step[i] = choice;
    }
    var out = [];
    var run = "";
    for (var at = 0; at < n; ) {
      var piece = text.slice(at, step[at]);
      at = step[at];
      if (piece.length === 1 && ENG.test(piece)) {
        run += piece;
        continue;
      }
      if (run) {
        out.push(run);
        run = "";
      }
      out.push(piece);
    }
    if (run) out.push(run);
    return out;
  };

  Segmenter.prototype.cut = function (text) {
    var out = [];
    var self = this;
    text.split(BLOCK).forEach(function (block) {
      if (!block) return;
      var words = BLOCK_WHOLE.test(block) ? self.route(block) : Array.from(block);
      words.forEach(function (word) {
        [2, 3].forEach(function (size) {
          if (word.length > size) {
            for (var k = 0; k + size <= word.length; k++) {
              var part = word.slice(k, k + size);
              if (self.known.has(part)) out.push(part);
            }
          }
        });
        out.push(word);
      });
    });
    return out;
  };

  Segmenter.prototype.tokens = function (text) {
    var out = [];
    var self = this;
    this.cut(normalise(text)).forEach(function (word) {
      word = word.trim();
      if (word && WORDLIKE.test(word) && !self.stopwords.has(word)) {
        out.push(word);
        (self.synonyms.get(word) || []).forEach(function (w) {
          out.push(w);
        });
      }
    });
    return out;
  };

  function decodePostings(text) {
    var numbers = [];
    var value = 0;
    var shift = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = DIGITS.indexOf(text[i]);
      value += (digit & 31) * Math.pow(2, shift);
      if (digit & 32) {
        shift += 5;
      } else {
        numbers.push(value);
        value = 0;
        shift = 0;
      }
    }
    var out = [];
    var previous = -1;
    for (var at = 0; at < numbers.length; ) {
      var head = numbers[at++];
      var tf = 1;
      if (head % 2) tf = numbers[at++] + 2;
      previous += Math.floor(head / 2) + 1;
      out.push([previous, tf]);
    }
    return out;
  }

  function FieldIndex(data) {
    this.name = data.name;
    this.weight = data.weight;
    this.grams = data.grams;
    this.lengths = data.lengths;
    var sum = 0;
    this.lengths.forEach(function (n) {
      sum += n;
    });
    this.average = this.lengths.length ? sum / this.lengths.length : 0;
    this.slot = new Map();
    var slot = this.slot;
    data.terms.forEach(function (term, i) {
      slot.set(term, i);
    });
    this.encoded = data.postings;
    this.weighted = new Map();
  }

  FieldIndex.prototype.weights = function (term, k1, b) {
    var cached = this.weighted.get(term);
    if (cached) return cached;
    var postings = this.slot.has(term) ? decodePostings(this.encoded[this.slot.get(term)]) : [];
    var n = this.lengths.length;
    var df = postings.length;
    var out = [];
    if (df && this.average > 0) {
      var idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (var i = 0; i < postings.length; i++) {
        var doc = postings[i][0];
        var tf = postings[i][1];
        var norm = k1 * ((1 - b) + (b * this.lengths[doc]) / this.average);
        out.push([doc, idf * (tf / (norm + tf))]);
      }
    }
    this.weighted.set(term, out);
    return out;
  };

  function unique(items) {
    return Array.from(new Set(items));
  }

  function Engine(data) {
    this.data = data;
    this.k1 = data.k1;
    this.b = data.b;
    this.minScore = data.min_score;
    this.report = new URL(data.report, SITE);
    this.segmenter = new Segmenter(data);
    this.fields = data.fields.map(function (f) {
      return new FieldIndex(f);
    });
    this.docs = data.docs.map(function (d) {
      return { id: d[0], title: d[1], url: new URL(d[2], SITE), trained: !!d[3], snippet: d[4] };
    });
  }

  Engine.prototype.terms = function (query) {
    return { words: unique(this.segmenter.tokens(query)), pairs: unique(grams(query)) };
  };

  /* Return the best entries for `query`: [{doc, score, words}], best first. */
  Engine.prototype.search = function (query, limit) {
    var terms = this.terms(query);
    var total = new Float64Array(this.docs.length);
    var self = this;
    this.fields.forEach(function (index) {
      var list = index.grams ? terms.pairs : terms.words;
      list.forEach(function (term) {
        var factor = index.weight * 1.0;
        var postings = index.weights(term, self.k1, self.b);
        for (var i = 0; i < postings.length; i++) {
          total[postings[i][0]] += factor * postings[i][1];
        }
      });
    });
    var order = [];
    for (var i = 0; i < total.length; i++) if (total[i] > 0) order.push(i);
    order.sort(function (a, c) {
      return total[c] - total[a] || a - c;
    });
    return order.slice(0, limit || LIMIT).map(function (i) {
      return { doc: self.docs[i], score: total[i], words: self.matched(terms.words, i) };
    });
  };

  /* Whether entry `doc` contains `term` in this field (for highlighting, not ranking). */
  FieldIndex.prototype.has = function (term, doc, k1, b) {
    if (!this.members) this.members = new Map();
    var docs = this.members.get(term);
    if (!docs) {
      docs = new Set(
        this.weights(term, k1, b).map(function (p) {
          return p[0];
        })
      );
      this.members.set(term, docs);
    }
    return docs.has(doc);
  };

  /* The query's words an entry contains in any field: what to highlight. */
  Engine.prototype.matched = function (words, doc) {
    var self = this;
    return words.filter(function (word) {
      return self.fields.some(function (index) {
        return !index.grams && index.has(word, doc, self.k1, self.b);
      });
    });
  };

  /* ---------------------------------------------------------------------
   * Loading the index
   * ------------------------------------------------------------------- */

  var engine = null;
  var sections = null; // the service guide's sections: a separate index, never mixed in
  var loading = null;

  function load() {
    if (engine) return Promise.resolve(engine);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var done = function () {
          if (!window.zzxtSearchIndex) return reject(new Error("index missing"));
          engine = new Engine(window.zzxtSearchIndex);
          if (window.zzxtSearchIndex.sections) sections = new Engine(window.zzxtSearchIndex.sections);
          resolve(engine);
        };
        if (window.zzxtSearchIndex) return done();
        var tag = document.createElement("script");
        tag.src = INDEX.href;
        tag.charset = "utf-8";
        tag.onload = done;
        tag.onerror = function () {
          loading = null;
          reject(new Error("index not loaded"));
        };
        document.head.appendChild(tag);
      });
    }
    return loading;
  }

  /* ---------------------------------------------------------------------
   * Rendering, in the theme's search result markup
   * ------------------------------------------------------------------- */

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  /* Append `text` to `parent`, the query's words in <mark>. */
  function highlight(parent, text, words) {
    var usable = words.filter(function (w) {
      return w.length > 1 || /[\u3400-\u9fff]/.test(w);
    });
    if (!usable.length) {
      parent.appendChild(document.createTextNode(text));
      return;
    }
    usable.sort(function (a, b) {
      return b.length - a.length;
    });
    var pattern = new RegExp(usable.map(escapeRegExp).join("|"), "gi");
    var at = 0;
    text.replace(pattern, function (match, offset) {
      if (offset > at) parent.appendChild(document.createTextNode(text.slice(at, offset)));
      parent.appendChild(element("mark", "", match));
      at = offset + match.length;
      return match;
    });
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
  }

  function resultItem(hit, tabbable, section) {
    var url = new URL(hit.doc.url.href);
    if (hit.words.length) url.searchParams.set("h", hit.words.join(" "));
    var item = element("li", "md-search-result__item");
    var link = element("a", "md-search-result__link");
    link.href = url.href;
    link.tabIndex = tabbable ? 0 : -1;
    if (section) link.dataset.zzSection = hit.doc.id;
    else link.dataset.zzId = hit.doc.id;
    var article = element("article", "md-search-result__article md-typeset");
    article.setAttribute("data-md-score", hit.score.toFixed(2));
    article.appendChild(element("div", "md-search-result__icon md-icon"));
    var title = element("h1");
    highlight(title, hit.doc.title, hit.words);
    article.appendChild(title);
    if (hit.doc.snippet) {
      var text = element("p");
      highlight(text, hit.doc.snippet, hit.words);
      article.appendChild(text);
    }
    if (hit.doc.trained) {
      var tags = element("nav", "md-tags");
      tags.appendChild(element("span", "md-tag", "已培训要求掌握"));
      article.appendChild(tags);
    }
    link.appendChild(article);
    item.appendChild(link);
    return item;
  }

  function notFound(engine, query) {
    var box = element("div", "zz-notfound");
    box.setAttribute("role", "status");
    var p = element("p");
    p.appendChild(element("strong", "", "没有找到？"));
    p.appendChild(
      document.createTextNode(
        "没有与“" + query.trim() + "”明显相关的常见问题。可以换个说法，或只输入关键的词再试；仍然找不到的，请"
      )
    );
    var link = element("a", "zz-report");
    link.href = engine.report.href;
    link.appendChild(element("span", "", "报送问题"));
    p.appendChild(link);
    p.appendChild(document.createTextNode("。"));
    box.appendChild(p);
    return box;
  }

  function resultList(hits, tabbable, section) {
    var list = element("ol", "md-search-result__list");
    hits.forEach(function (hit) {
      list.appendChild(resultItem(hit, tabbable, section));
    });
    return list;
  }

  /*
   * Fill `container` with the results for `query`; return them. Entries scoring at
   * least the index's `min_score` (the triage bot's threshold) are shown, then the
   * service guide's sections that reach theirs; weaker entries are folded away, or
   * listed under "没有找到？" when nothing reaches a threshold.
   */
  function render(container, query, tabbable) {
    container.textContent = "";
    container.removeAttribute("data-zz-state");
    container.setAttribute("data-zz-query", query);
    if (!query.trim() || !engine) return [];
    var hits = engine.search(query, LIMIT);
    var strong = hits.filter(function (hit) {
      return hit.score >= engine.minScore;
    });
    var weak = hits.slice(strong.length);
    var parts = !sections
      ? []
      : sections.search(query, 3).filter(function (hit) {
          return hit.score >= sections.minScore;
        });
    var found = strong.length > 0 || parts.length > 0;
    container.setAttribute("data-zz-state", found ? "found" : "none");
    if (!found) {
      container.appendChild(notFound(engine, query));
      if (weak.length) {
        container.appendChild(element("div", "md-search-result__meta", "可能相关的问题"));
        container.appendChild(resultList(weak, tabbable));
      }
      return hits;
    }
    if (strong.length) {
      container.appendChild(
        element("div", "md-search-result__meta", "最相关的 " + strong.length + " 篇常见问题")
      );
      container.appendChild(resultList(strong, tabbable));
    }
    if (parts.length) {
      container.appendChild(element("div", "md-search-result__meta", sections.data.name));
      container.appendChild(resultList(parts, tabbable, true));
    }
    if (weak.length) {
      var more = element("details", "md-search-result__more");
      var summary = element("summary");
      summary.tabIndex = tabbable ? 0 : -1;
      var label = strong.length ? "另有 " + weak.length + " 篇关联较弱的问题" : "关联较弱的常见问题 " + weak.length + " 篇";
      summary.appendChild(element("div", "", label));
      more.appendChild(summary);
      // Links right inside <details>, as the theme's keyboard handling expects.
      weak.forEach(function (hit) {
        more.appendChild(resultItem(hit, tabbable).firstChild);
      });
      container.appendChild(more);
    }
    return hits;
  }

  /* ---------------------------------------------------------------------
   * The search boxes
   * ------------------------------------------------------------------- */

  /* Run `render` whenever the text of `input` changes (typing, pasting, IME). */
  function watch(input, update) {
    var composing = false;
    var last = null;
    var run = function () {
      if (composing || input.value === last) return;
      last = input.value;
      var value = input.value;
      if (!value.trim()) return update(value);
      load().then(
        function () {
          if (input.value === value) update(value);
        },
        function () {
          last = null;
        }
      );
    };
    input.addEventListener("compositionstart", function () {
      composing = true;
    });
    input.addEventListener("compositionend", function () {
      composing = false;
      run();
    });
    input.addEventListener("input", run);
    input.addEventListener("focus", function () {
      load();
      run();
    });
    if (input.form) {
      input.form.addEventListener("reset", function () {
        setTimeout(run, 0);
      });
    }
    if (input.value) run();
  }

  /* The result Enter opens: the best one, when something was found. */
  function best(container) {
    if (container.getAttribute("data-zz-state") !== "found") return null;
    return container.querySelector(".md-search-result__link");
  }

  /* The theme's search dialog, in the header of every page. */
  function mountDialog() {
    var input = document.querySelector("input.md-search__input");
    var result = document.querySelector('[data-md-component="search-result"]');
    if (!input || !result) return;
    document.documentElement.classList.add("zz-search");
    var container = element("div", "zz-search-results");
    container.setAttribute("aria-live", "polite");
    result.insertBefore(container, result.lastElementChild);
    watch(input, function (value) {
      render(container, value, false);
    });
    // Enter opens the best result; the theme's own handler would look at its empty list.
    input.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || ev.isComposing) return;
      ev.preventDefault();
      ev.stopPropagation();
      var link = best(container);
      if (link) link.click();
    });
  }

  /* The search box on the home page: results right below it. */
  function mountHome() {
    var form = document.querySelector("form.zz-search");
    if (!form) return;
    var input = form.querySelector("input");
    var container = document.querySelector(".zz-search-inline");
    if (!input || !container) return;
    watch(input, function (value) {
      render(container, value, true);
      container.hidden = !value.trim();
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var link = best(container);
      if (link) link.click();
    });
    var links = function () {
      var selector =
        ".zz-report, summary, li > .md-search-result__link, details[open] > .md-search-result__link";
      return Array.from(container.querySelectorAll(selector));
    };
    form.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown" && links().length) {
        ev.preventDefault();
        links()[0].focus();
      }
    });
    container.addEventListener("keydown", function (ev) {
      var all = links();
      var at = all.indexOf(document.activeElement);
      if (at < 0) return;
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        var next = at + (ev.key === "ArrowDown" ? 1 : -1);
        if (next < 0) input.focus();
        else all[Math.min(next, all.length - 1)].focus();
      } else if (ev.key === "Escape") {
        input.focus();
      }
    });
    // The suggested words fill the box instead of opening the dialog.
    document.querySelectorAll(".zz-hero a.zz-chip").forEach(function (chip) {
      chip.addEventListener("click", function (ev) {
        ev.preventDefault();
        input.value = chip.textContent;
        input.dispatchEvent(new Event("input"));
        input.focus();
      });
    });
  }

  mountDialog();
  mountHome();

  /* For tests and for anyone scripting the site: the same ranking as `zzxt faq search`. */
  window.zzxtSearch = {
    load: load,
    search: function (query, limit) {
      if (!engine) throw new Error("call zzxtSearch.load() first");
      return engine.search(query, limit).map(function (hit) {
        return { id: hit.doc.id, title: hit.doc.title, score: hit.score };
      });
    },
    sections: function (query, limit) {
      if (!sections) return [];
      return sections.search(query, limit).map(function (hit) {
        return { id: hit.doc.id, title: hit.doc.title, score: hit.score };
      });
    },
    terms: function (query) {
      if (!engine) throw new Error("call zzxtSearch.load() first");
      return engine.terms(query);
    },
  };
})();
