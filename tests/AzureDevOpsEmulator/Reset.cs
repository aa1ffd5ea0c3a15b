using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AzureDevOpsEmulator;

/// <summary>
/// <c>POST /_test/reset</c>: puts the running emulator back into the state of a fresh start, so one process can serve one
/// test file after another (tests/TestServers, WorkerAzureDevOps). It first aborts every request still in flight (a
/// hanging or delayed fault, a late client of the previous user) and waits until none is left, refusing (503) every request
/// that arrives meanwhile (<see cref="Track"/>); then, under the store's lock, it replaces all state: the store (users, apps, tokens, orgs, keys, faults, settings, counters, SSH settings) is made
/// equal to a new <see cref="Store"/> property by property (<see cref="StateReset"/>: a kind of state it cannot restore
/// makes the reset fail instead of being left behind), the Entra state is a new one (a new signing key, so no earlier
/// token verifies), the repositories on disk are deleted, and <c>allowHttpCallbacks</c> is set as the body says.
/// </summary>
internal static class Reset
{
    public const string Path = "/_test/reset";

    /// <summary>Requests being served now (all but the reset itself), so a reset can abort them and wait for them.</summary>
    private static readonly ConcurrentDictionary<HttpContext, byte> InFlight = new();

    /// <summary>
    /// Guards <see cref="_resets"/> and the registration in <see cref="InFlight"/> together: a request either registers
    /// before a reset begins (so the reset sees it, aborts it and waits for it) or finds the reset running and is refused.
    /// Without it, a request arriving between "nothing in flight" and the store's lock would run beside the restore and
    /// could leave its state behind for the next user.
    /// </summary>
    private static readonly object Sync = new();

    /// <summary>Resets running now (normally 0 or 1); while above 0 every request but the reset gets 503.</summary>
    private static int _resets;

    /// <summary>
    /// The first middleware: registers every request but the reset for as long as it runs, and refuses (503) every
    /// request that arrives while a reset runs: it can only be a late client of the previous user, since the next one
    /// sends nothing before its reset has answered (LocalAzureDevOps.Reset sends its sshd settings after it).
    /// </summary>
    public static void Track(WebApplication app) =>
        app.Use(async (ctx, next) =>
        {
            if (string.Equals(ctx.Request.Path.Value, Path, StringComparison.OrdinalIgnoreCase))
            {
                await next(ctx);
                return;
            }
            bool refused;
            lock (Sync)
            {
                refused = _resets > 0;
                if (!refused)
                {
                    InFlight.TryAdd(ctx, 0);
                }
            }
            if (refused)
            {
                await Json.Bad($"The emulator is being reset ({Path}): a request that arrives meanwhile belongs to the previous user and is refused.", 503).ExecuteAsync(ctx);
                return;
            }
            try
            {
                await next(ctx);
            }
            finally
            {
                InFlight.TryRemove(ctx, out _);
            }
        });

    /// <summary>
    /// Maps the reset. Its body: <c>allowHttpCallbacks</c> (bool), and <c>holdMs</c>, a knob for the emulator's own test
    /// (TestServers.Tests): how long to wait once nothing is in flight and before the state is replaced, so a test can
    /// send a request while a reset runs.
    /// </summary>
    public static void Map(WebApplication app, Store store, EmulatorOptions options) =>
        app.MapPost(Path, async (HttpContext ctx) =>
        {
            var b = await Json.BodyAsync(ctx);
            lock (Sync)
            {
                _resets++;
            }
            try
            {
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (!InFlight.IsEmpty)
                {
                    foreach (var request in InFlight.Keys)
                    {
                        request.Abort();
                    }
                    if (DateTime.UtcNow > deadline)
                    {
                        var left = string.Join(", ", InFlight.Keys.Select(c => c.Request.Method + " " + c.Request.Path));
                        return Json.Bad($"Requests still in flight 10 s after they were aborted: {left}. Start a new emulator instead.", 503);
                    }
                    await Task.Delay(10);
                }
                if (Json.Int(b, "holdMs") is int hold and > 0)
                {
                    await Task.Delay(hold);
                }
                var repos = System.IO.Path.Combine(options.DataDir, "repos");
                lock (store.Gate)
                {
                    StateReset.Restore(store, new Store());
                    EntraEndpoints.ResetState();
                    options.AllowHttpCallbacks = Json.Bool(b, "allowHttpCallbacks") ?? false;
                    if (Directory.Exists(repos))
                    {
                        Directory.Delete(repos, recursive: true);
                    }
                }
            }
            finally
            {
                lock (Sync)
                {
                    _resets--;
                }
            }
            return Results.Json(new Dictionary<string, object?>
            {
                ["reset"] = true,
                ["allowHttpCallbacks"] = options.AllowHttpCallbacks,
                ["signedInUserId"] = store.SignedInUserId,
            });
        });
}

/// <summary>Makes an object's state equal to a fresh instance's, property by property.</summary>
internal static class StateReset
{
    /// <summary>
    /// Every public settable property of <paramref name="target"/> takes <paramref name="fresh"/>'s value; every get-only
    /// dictionary or list is emptied and refilled with <paramref name="fresh"/>'s entries; a get-only object with
    /// properties (settings) is restored the same way; a get-only <see cref="object"/> (a lock) is kept. Anything else
    /// (a get-only set, number or string) throws, so a new kind of state is never silently left behind.
    /// </summary>
    public static void Restore(object target, object fresh)
    {
        foreach (var p in target.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0)
            {
                continue;
            }
            if (p.SetMethod is { IsPublic: true })
            {
                p.SetValue(target, p.GetValue(fresh));
                continue;
            }
            var current = p.GetValue(target);
            var wanted = p.GetValue(fresh);
            switch (current)
            {
                case IDictionary dictionary:
                    dictionary.Clear();
                    foreach (DictionaryEntry e in (IDictionary)wanted!)
                    {
                        dictionary.Add(e.Key, e.Value);
                    }
                    break;
                case IList list:
                    list.Clear();
                    foreach (var item in (IList)wanted!)
                    {
                        list.Add(item);
                    }
                    break;
                case null:
                    throw new NotSupportedException($"StateReset cannot restore {target.GetType().Name}.{p.Name}: it is null.");
                default:
                    var type = current.GetType();
                    if (type == typeof(object))
                    {
                        break; // the lock
                    }
                    if (type.IsValueType || type == typeof(string) || current is IEnumerable || p.GetGetMethod() is not { } getter || getter.IsStatic)
                    {
                        throw new NotSupportedException($"StateReset cannot restore {target.GetType().Name}.{p.Name} ({type.Name}): make it settable, a dictionary or a list, or restore it in Reset.");
                    }
                    Restore(current, wanted!);
                    break;
            }
        }
    }
}
