using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AzureDevOpsEmulator;

/// <summary>
/// The control API's plain reads and resets (ControlEndpoints, EntraEndpoints): each reads or clears the state under the
/// store's lock, written once here instead of a lock block per route.
/// </summary>
internal static class ControlApi
{
    /// <summary>GET <paramref name="path"/>: the JSON of what <paramref name="read"/> returns, taken under the store's lock.</summary>
    public static void MapRead(this WebApplication app, Store store, string path, Func<object?> read) =>
        app.MapGet(path, () =>
        {
            lock (store.Gate)
            {
                return Results.Json(read());
            }
        });

    /// <summary>DELETE <paramref name="path"/>: runs <paramref name="clear"/> under the store's lock, then 204.</summary>
    public static void MapReset(this WebApplication app, Store store, string path, Action clear) =>
        app.MapDelete(path, () =>
        {
            lock (store.Gate)
            {
                clear();
            }

            return Results.NoContent();
        });
}
