// esbuild bundles imported CSS into webview.css beside the script
declare module '*.css';
