using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Alerts;

/// <summary>POSTs a stored alert body to <c>Alerts:Webhook:Url</c>, signed with <c>X-Kasparro-Signature</c>.</summary>
public sealed class AlertWebhookClient(HttpClient http, IOptions<AlertOptions> options)
{
    public const string SignatureHeader = "X-Kasparro-Signature";

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of the body's UTF-8 bytes under the secret.</summary>
    public static string Signature(string body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    /// <summary>Null when the webhook accepted the body (any 2xx), otherwise why not.</summary>
    public async Task<string?> SendAsync(string body, CancellationToken cancellationToken)
    {
        var webhook = options.Value.Webhook;
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(SignatureHeader, Signature(body, webhook.Secret!));
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or Polly.Timeout.TimeoutRejectedException
                                     || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return ex.Message;
        }
    }
}
