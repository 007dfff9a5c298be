using System.Globalization;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kasparro.Api.Security;

/// <summary>
/// <c>Kasparro.Api --create-key NAME [--role reader|operator] [--rate-limit N]</c>, <c>--revoke-key ID</c>,
/// <c>--list-keys</c>: manages API keys in the database and exits. It migrates nothing (Kasparro.Ingestion owns the
/// schema). Every other argument (e.g. <c>--ConnectionStrings:kasparro=...</c>) is configuration.
/// </summary>
public sealed record ApiKeyCommandLine(string Command, string? Name, string Role, int? RateLimitPerMinute, long? KeyId, string[] HostArguments)
{
    public const string Usage = """
        Kasparro.Api --create-key NAME [--role reader|operator] [--rate-limit N] | --revoke-key ID | --list-keys [--Section:Key=Value ...]
          --create-key NAME  create a key (default role reader); the key is printed once, alone on the last line
          --role R           reader (every GET) or operator (also triggers runs and edits alert rules)
          --rate-limit N     the key's own requests per minute (default: RateLimiting's per-client limit)
          --revoke-key ID    revoke the key with this id (it is refused from then on)
          --list-keys        list keys: id, name, role, prefix, dates, limit; never the secret
        """;

    private const string Create = "--create-key";
    private const string Revoke = "--revoke-key";
    private const string List = "--list-keys";

    /// <summary>The key command on the command line; null when there is none (the API starts), or an error text.</summary>
    public static (ApiKeyCommandLine? Command, string? Error) Parse(string[] args)
    {
        string? command = null, name = null, role = null;
        int? rateLimit = null;
        long? id = null;
        var host = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case Create or Revoke or List:
                    if (command is not null)
                    {
                        return (null, $"{command} and {args[i]} exclude each other");
                    }

                    command = args[i];
                    if (command == Create)
                    {
                        if (i + 1 >= args.Length || string.IsNullOrWhiteSpace(args[i + 1]) || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                        {
                            return (null, "--create-key needs a name (who holds the key)");
                        }

                        name = args[++i].Trim();
                    }
                    else if (command == Revoke)
                    {
                        if (i + 1 >= args.Length || !long.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                        {
                            return (null, "--revoke-key needs a key id (see --list-keys)");
                        }

                        id = parsed;
                    }

                    break;
                case "--role":
                    if (i + 1 >= args.Length || !ApiKeyRoles.All.Contains(args[i + 1]))
                    {
                        return (null, $"--role needs one of: {string.Join(", ", ApiKeyRoles.All)}");
                    }

                    role = args[++i];
                    break;
                case "--rate-limit":
                    if (i + 1 >= args.Length || !int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit is < 1 or > 1_000_000)
                    {
                        return (null, "--rate-limit needs a whole number of requests per minute between 1 and 1000000");
                    }

                    rateLimit = limit;
                    break;
                default:
                    host.Add(args[i]);
                    break;
            }
        }

        if (command is null)
        {
            return role is not null || rateLimit is not null ? (null, "--role and --rate-limit go with --create-key") : (null, null);
        }

        if (command != Create && (role is not null || rateLimit is not null))
        {
            return (null, "--role and --rate-limit go with --create-key");
        }

        return (new ApiKeyCommandLine(command, name, role ?? ApiKeyRoles.Reader, rateLimit, id, [.. host]), null);
    }

    /// <summary>Runs the command against the configured database; the exit code (0 done, 1 refused or failed).</summary>
    public async Task<int> RunAsync(TextWriter output, TextWriter error)
    {
        var builder = Host.CreateApplicationBuilder(HostArguments);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddKasparroDb();
        using var host = builder.Build();
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KasparroDb>();
        var actor = $"cli:{Environment.UserName}";
        try
        {
            return Command switch
            {
                Create => await CreateAsync(db, actor, output),
                Revoke => await RevokeAsync(db, actor, output, error),
                _ => await ListAsync(db, output),
            };
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            await error.WriteLineAsync("error: the api_keys table does not exist yet; start Kasparro.Ingestion (or run Kasparro.Ingestion --init-db) first: it owns the schema.");
            return 1;
        }
    }

    private async Task<int> CreateAsync(KasparroDb db, string actor, TextWriter output)
    {
        var (key, prefix, hash) = ApiKeyText.Generate();
        var row = new ApiKey
        {
            Name = Name!,
            Role = Role,
            Prefix = prefix,
            KeyHash = hash,
            CreatedAt = DateTimeOffset.UtcNow,
            RateLimitPerMinute = RateLimitPerMinute,
        };
        db.ApiKeys.Add(row);
        await db.SaveChangesAsync();
        db.AuditEvents.Add(Audit(actor, AuditActions.KeyCreated, row, $"role={row.Role} prefix={row.Prefix} rate_limit={Limit(row)}"));
        await db.SaveChangesAsync();
        await output.WriteLineAsync($"Created API key {row.Id} '{row.Name}': role {row.Role}, prefix {row.Prefix}, rate limit {Limit(row)}.");
        await output.WriteLineAsync("It is shown only now and stored only as a hash: keep it in a secret store. Send it as 'Authorization: ApiKey <key>' or 'X-Api-Key: <key>'.");
        await output.WriteLineAsync(key);
        return 0;
    }

    private async Task<int> RevokeAsync(KasparroDb db, string actor, TextWriter output, TextWriter error)
    {
        var row = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == KeyId);
        if (row is null)
        {
            await error.WriteLineAsync($"error: there is no API key {KeyId} (see --list-keys)");
            return 1;
        }

        if (row.RevokedAt is { } revoked)
        {
            await output.WriteLineAsync($"API key {row.Id} '{row.Name}' was already revoked at {revoked.UtcDateTime:u}.");
            return 0;
        }

        row.RevokedAt = DateTimeOffset.UtcNow;
        db.AuditEvents.Add(Audit(actor, AuditActions.KeyRevoked, row, $"prefix={row.Prefix}"));
        await db.SaveChangesAsync();
        await output.WriteLineAsync($"Revoked API key {row.Id} '{row.Name}' (prefix {row.Prefix}); it is refused from now on.");
        return 0;
    }

    private static async Task<int> ListAsync(KasparroDb db, TextWriter output)
    {
        var keys = await db.ApiKeys.AsNoTracking().OrderBy(k => k.Id).ToListAsync();
        await output.WriteLineAsync("id\tname\trole\tprefix\tcreated_at\tlast_used_at\trevoked_at\trate_limit_per_minute");
        foreach (var key in keys)
        {
            await output.WriteLineAsync(string.Join('\t',
                key.Id.ToString(CultureInfo.InvariantCulture), key.Name, key.Role, key.Prefix, Time(key.CreatedAt), Time(key.LastUsedAt), Time(key.RevokedAt), Limit(key)));
        }

        return 0;
    }

    private static AuditEvent Audit(string actor, string action, ApiKey key, string detail) => new()
    {
        At = DateTimeOffset.UtcNow,
        Actor = actor,
        Action = action,
        Target = $"api_key:{key.Id.ToString(CultureInfo.InvariantCulture)}:{key.Name}",
        Outcome = AuditOutcomes.Success,
        Detail = detail,
    };

    private static string Limit(ApiKey key) => key.RateLimitPerMinute?.ToString(CultureInfo.InvariantCulture) ?? "default";

    private static string Time(DateTimeOffset? time) => time?.UtcDateTime.ToString("u", CultureInfo.InvariantCulture) ?? "-";
}
