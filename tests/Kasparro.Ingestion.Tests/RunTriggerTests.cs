using Kasparro.Data.Scheduling;
using Kasparro.Ingestion.Scheduling;
using Quartz;

namespace Kasparro.Ingestion.Tests;

/// <summary>What a run records as its trigger for the Quartz trigger that fired it, for every job alike (no database needed).</summary>
public sealed class RunTriggerTests
{
    [Fact]
    public void A_manual_trigger_records_who_asked_and_the_trigger_id()
    {
        var data = new JobDataMap { [EtlScheduling.TriggerKey] = "api-key:ops-robot", [EtlScheduling.TriggerIdKey] = "abc123" };

        var trigger = RunTrigger.Of(new TriggerKey("coingecko-history", EtlScheduling.ManualTriggerGroup), data);

        Assert.Equal(new RunTrigger("api-key:ops-robot", "abc123"), trigger);
    }

    [Fact]
    public void A_manual_trigger_naming_no_one_records_manual()
    {
        Assert.Equal(new RunTrigger("manual", null), RunTrigger.Of(new TriggerKey("csv", EtlScheduling.ManualTriggerGroup), new JobDataMap()));
        Assert.Equal("manual", RunTrigger.Of(new TriggerKey("csv", EtlScheduling.ManualTriggerGroup), new JobDataMap { [EtlScheduling.TriggerKey] = "" }).Kind);
    }

    [Fact]
    public void Cron_and_startup_triggers_record_their_kind()
    {
        Assert.Equal(new RunTrigger("schedule", null), RunTrigger.Of(new TriggerKey("csv", EtlScheduling.ScheduleTriggerGroup), new JobDataMap()));
        Assert.Equal(new RunTrigger("startup", null), RunTrigger.Of(new TriggerKey("csv", EtlSchedule.StartupTriggerGroup), new JobDataMap()));
    }
}
