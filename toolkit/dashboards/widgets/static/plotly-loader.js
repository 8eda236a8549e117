// After plotly.js's own bundle, which ends by setting window.Plotly: anywidget needs a
// default export too.
export default { render({ el }) { el.style.display = 'none'; } };
