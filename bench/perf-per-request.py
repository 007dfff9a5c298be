#!/usr/bin/env python3
"""CPU per request of each process in a `perf record -a -g` taken during `bench read`'s interleaved runs
(docs/performance.md, "API overhead: where the time goes").

usage: perf-per-request.py PERF_DATA API_PID BENCH_PID API_REQUESTS REFERENCE_REQUESTS [PHASE_SECONDS] [FREQUENCY]

The recording starts with an API run; API and reference then alternate every PHASE_SECONDS (the bench's --seconds).
Requests are what wrk counted in those windows (mean req/s x 2 x seconds). Prints, per window, each process's CPU
microseconds per request, the serving processes' CPU split into categories (each sample goes to the innermost frame
that names one), and PostgreSQL's parse, plan and execute time. Needs DOTNET_PerfMapEnabled=1 and
DOTNET_EnableWriteXorExecute=0 in the environment of the bench (JIT'd code is otherwise not symbolized).
"""
import collections
import re
import subprocess
import sys

CATEGORIES = [
    ('OpenTelemetry tracing (activities)', r'OpenTelemetry\.Trace|OpenTelemetry\.Instrumentation|System\.Diagnostics\.Activity|DiagnosticListener|DiagnosticSource|ActivitySource|ActivityListener|HostingApplicationDiagnostics'),
    ('metrics (instruments, OpenTelemetry aggregation)', r'System\.Diagnostics\.Metrics|OpenTelemetry|MetricsReporter|HostingMetrics|KestrelMetrics'),
    ('authentication, authorization', r'Authentication|Authorization'),
    ('rate limiter', r'RateLimit'),
    ('request timeouts', r'RequestTimeout'),
    ('request id, security headers, exception handler, status pages, CORS', r'Cors|StatusCodePages|ExceptionHandler|RequestIdMiddleware|ApiSecurityHeaders|HostFiltering'),
    ('JSON', r'System\.Text\.Json|HttpResultsHelper'),
    ('Npgsql', r'\[Npgsql\]'),
    ('endpoint code (validation, query, totals)', r'Kasparro\.Api\.|ReferenceEndpoint'),
    ('routing, parameter binding', r'RequestDelegateFactory|Routing|EndpointMiddleware|Microsoft\.AspNetCore\.Http\.'),
    ('Kestrel, sockets, pipelines', r'Kestrel|System\.Net\.Sockets|System\.IO\.Pipelines|Hosting'),
    ('GC', r'gc_heap|WKS::|SVR::|GCHeap|JIT_New'),
    ('thread pool, scheduling', r'ThreadPool|LowLevelLifoSemaphore|sched_yield|futex|finish_task_switch|WorkerThread'),
]
POSTGRES = ['raw_parser', 'pg_plan_queries', 'PortalRun']


def read_samples(data):
    out = subprocess.run(['perf', 'script', '-i', data, '-F', 'pid,comm,time,ip,sym'], capture_output=True, text=True).stdout
    header = re.compile(r'^\s*(\S.*?)\s+(\d+)\s+([\d.]+):\s*$')
    samples, current = [], None
    for line in out.split('\n'):
        match = header.match(line)
        if match:
            current = [match.group(1), int(match.group(2)), float(match.group(3)), []]
            samples.append(current)
        elif line.strip() and current is not None:
            parts = line.strip().split(' ', 1)
            current[3].append(parts[1] if len(parts) > 1 else '?')
    return samples


def main():
    data, api, bench = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    requests = {'API': float(sys.argv[4]), 'reference': float(sys.argv[5])}
    phase = float(sys.argv[6]) if len(sys.argv) > 6 else 10.0
    us_per_sample = 1e6 / (float(sys.argv[7]) if len(sys.argv) > 7 else 499)
    samples = read_samples(data)
    start = min(s[2] for s in samples)
    rules = [(name, re.compile(rx)) for name, rx in CATEGORIES]
    for window, server in (('API', api), ('reference', bench)):
        mine = [s for s in samples if ('API' if int((s[2] - start) // phase) % 2 == 0 else 'reference') == window]
        per = lambda count: count * us_per_sample / requests[window]
        processes = collections.Counter(
            'API process' if s[1] == api else 'bench process (reference)' if s[1] == bench
            else s[0] if s[0] in ('postgres', 'wrk') else 'other work on the machine' for s in mine)
        print(f'{window} window: CPU us per request')
        for name, count in processes.most_common():
            print(f'  {name:<60} {per(count):7.1f}')
        categories = collections.Counter()
        for s in (s for s in mine if s[1] == server):
            categories[next((name for frame in s[3] for name, rx in rules if rx.search(frame)), 'kernel (network, syscalls), runtime')] += 1
        print(f'  serving process by category:')
        for name, count in categories.most_common():
            print(f'    {name:<58} {per(count):7.1f}')
        postgres = collections.Counter(f for s in mine if s[0] == 'postgres' for f in {x.split('+')[0] for x in s[3]} if f in POSTGRES)
        print('  PostgreSQL: ' + ', '.join(f'{f} {per(postgres[f]):.1f}' for f in POSTGRES))


main()
