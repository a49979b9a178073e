// The views' protocol and server, on the engine: the messages (view-protocol, the
// only part the webview imports), the engine's state as those messages (view-feed),
// the host side of a view (view-host), a stopped process as a view's source (stopped-source) and the page that holds the views (view-page).
export * from './view-protocol';
export * from './view-feed';
export * from './view-host';
export * from './stopped-source';
export * from './view-page';
export * from './source-server';
