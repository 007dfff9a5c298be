using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Kasparro.Testing;

/// <summary>
/// Everything the process says about itself while a test runs: log lines at Trace level with their properties and
/// scopes, every finished activity with its tags and events, and every metric measurement's tags, as plain text.
/// </summary>
public sealed class CapturedTelemetry : ILoggerProvider, IDisposable
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();

    public CapturedTelemetry()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _lines.Enqueue($"activity {a.DisplayName} {a.StatusDescription} " +
                string.Join(' ', a.TagObjects.Select(t => $"{t.Key}={t.Value}")) + " " +
                string.Join(' ', a.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={t.Value}")))),
        };
        ActivitySource.AddActivityListener(_activities);
        _meters.InstrumentPublished = (instrument, listener) => listener.EnableMeasurementEvents(instrument);
        _meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, tags));
        _meters.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, tags));
        _meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, tags));
        _meters.Start();
    }

    /// <summary>Every captured line so far, one per log entry, activity or measurement.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public int LogCount { get; private set; }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }

    private void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var text = $"metric {instrument.Meter.Name}/{instrument.Name}";
        foreach (var tag in tags)
        {
            text += $" {tag.Key}={tag.Value}";
        }

        _lines.Enqueue(text);
    }

    private sealed class Logger(CapturedTelemetry sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            sink._lines.Enqueue($"scope {category} {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            sink._lines.Enqueue($"log {logLevel} {category}: {formatter(state, exception)} {properties} {exception}");
            sink.LogCount++;
        }
    }
}
