// Reports a drawn chart's zoom (plotly's relayout event with a new x range) to its .NET component.
// Attached here rather than through Plotly.Blazor's subscribeRelayoutEvent: that call is queued while plotly.js loads
// and silently dropped when the chart's element is not in the page at that moment, so a chart could be drawn with no
// listener and nothing would say so. This waits for the element to be drawn, attaches once, and marks the element
// (data-zoom-watched) only when the listener is really in place; browser tests wait for that mark before they zoom.
export function watchZoom(id, component) {
    const attach = () => {
        const plot = document.getElementById(id);
        if (plot === null) {
            return; // the chart was removed before plotly drew it: nothing to watch
        }

        if (typeof plot.on !== 'function' || !plot._fullLayout) {
            setTimeout(attach, 50); // plotly.js is still loading or drawing
            return;
        }

        if (plot.dataset.zoomWatched === 'true') {
            return;
        }

        plot.on('plotly_relayout', event => {
            const range = event['xaxis.range'] ?? event.xaxis?.range
                ?? (event['xaxis.range[0]'] !== undefined && event['xaxis.range[1]'] !== undefined
                    ? [event['xaxis.range[0]'], event['xaxis.range[1]']]
                    : null);
            // A double-click (autorange) or a y-only change has no x range: not a zoom.
            if (Array.isArray(range) && range.length === 2) {
                component.invokeMethodAsync('Zoomed', String(range[0]), String(range[1]));
            }
        });
        plot.dataset.zoomWatched = 'true';
    };
    attach();
}
