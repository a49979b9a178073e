// view-page.ts — the HTML page that holds the heap views: the same markup in a
// VS Code webview (with its Content-Security-Policy and nonce) and in the page
// `slabscope view` serves. The bundle builds everything else.

export interface ViewPageOptions {
  readonly scriptUrl: string;
  readonly styleUrl: string;
  /** a VS Code webview's cspSource; the served page allows only itself */
  readonly cspSource?: string;
  readonly nonce: string;
  readonly title: string;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function viewPageHtml(options: ViewPageOptions): string {
  const source = options.cspSource ?? "'self'";
  const csp = [
    "default-src 'none'",
    `img-src ${source} data: blob:`,
    `style-src ${source}`,
    `script-src 'nonce-${options.nonce}'`,
    `connect-src ${source}`,
    `font-src ${source}`,
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<link rel="stylesheet" href="${escapeHtml(options.styleUrl)}">
</head>
<body>
<div id="app" aria-busy="true"><p class="boot">Loading the heap views…</p></div>
<script nonce="${escapeHtml(options.nonce)}" src="${escapeHtml(options.scriptUrl)}"></script>
</body>
</html>
`;
}
