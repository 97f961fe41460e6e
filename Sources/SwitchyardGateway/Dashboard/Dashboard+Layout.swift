import Foundation
import Hummingbird
import SwitchyardCore

extension Dashboard {
    /// The pages of the navigation, in order: (label, path).
    static let navigation: [(label: String, path: String)] = [
        ("Overview", root), ("Usage", root + "/usage"), ("Keys", root + "/keys"), ("Deployments", root + "/deployments"),
        ("Models", root + "/models"), ("Requests", root + "/requests"), ("Playground", root + "/playground"),
    ]

    /// A whole page: head (the stylesheet and the script, both from this gateway), then `body`.
    static func document(title: String, body: HTML, csrf: String? = nil) -> HTML {
        let meta: HTML = csrf.map { "<meta name=\"csrf-token\" content=\"\($0)\">" } ?? .empty
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">\(meta)
            <title>\(title) · Switchyard</title>
            <link rel="icon" href="data:,"><link rel="stylesheet" href="\(root)/assets/app.css">
            <script src="\(root)/assets/app.js" defer></script></head>
            <body>\(body)</body></html>
            """
    }

    /// A signed-in page: the navigation (the current page marked), the sign-out button, `main`.
    /// `refresh`: the page offers live refresh (its `<main>` is re-fetched every 5 s).
    func layout(_ title: String, active: String, _ signed: Signed, refresh: Bool = false, main: HTML) -> Response {
        let links = Self.navigation.map { item -> HTML in
            item.label == active
                ? "<a href=\"\(item.path)\" aria-current=\"page\">\(item.label)</a>"
                : "<a href=\"\(item.path)\">\(item.label)</a>"
        }
        let live: HTML = refresh
            ? "<label class=\"live\"><input type=\"checkbox\" id=\"live-refresh\" checked> Live</label>"
            : .empty
        let body: HTML = """
            <header class="top">
            <a class="brand" href="\(Self.root)">Switchyard</a>
            <nav aria-label="Dashboard">\(links)</nav>
            <div class="top-right">\(live)<form method="post" action="\(Self.root)/logout" class="signout">
            <input type="hidden" name="csrf" value="\(signed.csrf)"><button type="submit" class="secondary">Sign out</button></form></div>
            </header>
            <main id="main"\(refresh ? HTML(" data-refresh=\"5\"") : .empty)>
            <h1>\(title)</h1>
            \(main)
            </main>
            """
        return Self.html(Self.document(title: title, body: body, csrf: signed.csrf))
    }

    /// A hidden CSRF field for a form.
    static func csrfField(_ signed: Signed) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(signed.csrf)\">"
    }

    static func notice(_ text: String, error: Bool = false) -> HTML {
        "<p class=\"notice\(error ? " error" : "")\" role=\"\(error ? "alert" : "status")\">\(text)</p>"
    }

    /// A card of the overview: a label and a figure (and a smaller note).
    static func stat(_ label: String, _ value: String, note: String? = nil, id: String? = nil) -> HTML {
        let noteHTML: HTML = note.map { "<span class=\"note\">\($0)</span>" } ?? .empty
        let idHTML: HTML = id.map { " id=\"\($0)\"" } ?? .empty
        let valueClass: HTML = value.contains(" / ") ? "value triple" : "value"
        return "<div class=\"stat\"\(idHTML)><span class=\"label\">\(label)</span><span class=\"\(valueClass)\">\(value)</span>\(noteHTML)</div>"
    }

    /// A spend-against-budget bar (inline SVG: no inline styles under the page's CSP).
    static func budgetBar(spent: Decimal, budget: Decimal) -> HTML {
        let share = budget > 0 ? min(1, max(0, NSDecimalNumber(decimal: spent / budget).doubleValue)) : 0
        let level = share >= 1 ? "over" : share >= 0.8 ? "warn" : "ok"
        let width = String(format: "%.1f", share * 100)
        return .trusted("<svg class=\"budget \(level)\" viewBox=\"0 0 100 8\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"\(String(format: "%.0f", share * 100)) % of the budget\">"
            + "<rect class=\"track\" width=\"100\" height=\"8\" rx=\"2\"/><rect class=\"fill\" width=\"\(width)\" height=\"8\" rx=\"2\"/></svg>")
    }

    static func badge(_ text: String, _ kind: String) -> HTML {
        "<span class=\"badge \(kind)\">\(text)</span>"
    }

    /// A `<select>` with `selected` chosen.
    static func select(_ name: String, id: String? = nil, _ options: [(value: String, label: String)], selected: String?) -> HTML {
        let items = options.map { option -> HTML in
            option.value == (selected ?? "")
                ? "<option value=\"\(option.value)\" selected>\(option.label)</option>"
                : "<option value=\"\(option.value)\">\(option.label)</option>"
        }
        return "<select name=\"\(name)\" id=\"\(id ?? name)\">\(items)</select>"
    }

    /// The key's name for a ledger row (its ID when the key is gone, `–` with auth off).
    static func keyName(_ id: String?, names: [String: String]) -> String {
        guard let id else { return "–" }
        return names[id] ?? id
    }
}
