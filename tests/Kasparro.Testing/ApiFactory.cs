using Kasparro.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Kasparro.Testing;

/// <summary>Hosts the real API in memory against a test database, with optional extra settings.</summary>
/// <remarks>
/// Kasparro.Ingestion also declares a global <c>Program</c>, so the API assembly is named by one of its own
/// types: the factory only uses the type to find the assembly whose entry point it runs.
/// </remarks>
public sealed class ApiFactory(string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    : WebApplicationFactory<Kasparro.Api.Hosting.RequestIdMiddleware>
{
    public const string SchedulerToken = "test-scheduler-token-7c1d";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Database}", connectionString);
        // Hundreds of hosts start in the suite; their start-up lines would bury the test results.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>A factory whose scheduler token is set, for the trigger endpoint.</summary>
    public static ApiFactory WithToken(string connectionString) =>
        new(connectionString, new Dictionary<string, string> { ["Etl:SchedulerToken"] = SchedulerToken });

    /// <summary>Stores the durable ETL jobs the way Kasparro.Ingestion does at its start, through the API's own Quartz client.</summary>
    public async Task RegisterEtlJobsAsync(params string[] sources)
    {
        var scheduler = Services.GetRequiredKeyedService<IScheduler>(EtlScheduling.SchedulerName);
        foreach (var source in sources)
        {
            var job = JobBuilder.Create<NeverRunJob>()
                .WithIdentity(EtlScheduling.JobName(source), EtlScheduling.JobGroup)
                .StoreDurably()
                .Build();
            await scheduler.AddJob(job, AddJobOptions.Replacing);
        }
    }

    /// <summary>Stand-in job type: the API's scheduler is never started, so it never runs.</summary>
    public sealed class NeverRunJob : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
