namespace Kasparro.Data.Entities;

/// <summary>
/// The webhook outbox: one row per alert event, written in the transaction that opened or resolved the alert and
/// kept until the webhook accepts it, so a webhook that is down delays delivery but never loses an event.
/// </summary>
public class AlertDelivery
{
    public long Id { get; set; }
    /// <summary>The alert, or null once its rule was deleted (the event is still delivered).</summary>
    public long? AlertId { get; set; }
    /// <summary><c>opened</c> or <c>resolved</c>.</summary>
    public required string Event { get; set; }
    /// <summary>The JSON body exactly as sent and signed.</summary>
    public required string Body { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
