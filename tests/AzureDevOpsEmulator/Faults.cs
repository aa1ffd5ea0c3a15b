using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace AzureDevOpsEmulator;

/// <summary>Fault injection for every non-control route (paths under /_test are never faulted).</summary>
internal static class Faults
{
    public static async Task<bool> TryApplyAsync(HttpContext ctx, Store store)
    {
        var path = ctx.Request.Path.Value ?? "/";
        if (path.StartsWith("/_test", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        FaultRule? hit = null;
        lock (store.Gate)
        {
            foreach (var rule in store.Faults)
            {
                if (rule.Count == 0)
                {
                    continue;
                }
                if (!path.StartsWith(rule.PathPrefix, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (rule.Method != null && !string.Equals(rule.Method, ctx.Request.Method, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (rule.Count > 0)
                {
                    rule.Count--;
                }
                rule.Hits++;
                hit = rule;
                break;
            }
            store.Faults.RemoveAll(r => r.Count == 0);
        }
        if (hit == null)
        {
            return false;
        }
        if (hit.DelayMs > 0)
        {
            try
            {
                await Task.Delay(hit.DelayMs, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return true;
            }
        }
        if (hit.Drop)
        {
            ctx.Abort();
            return true;
        }
        if (hit.Hang)
        {
            // A server that accepted the request and never answers: wait until the client gives up.
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
            return true;
        }
        if (hit.Body != null || hit.BodyBytes != null)
        {
            ctx.Response.StatusCode = hit.Status ?? 200;
            ctx.Response.ContentType = hit.ContentType ?? "application/json; charset=utf-8";
            if (hit.Body != null)
            {
                await ctx.Response.WriteAsync(hit.Body, ctx.RequestAborted);
                return true;
            }
            // A huge answer: prefix + xxxx... + suffix (default {"value":"xxxx..."}) of bodyBytes bytes, streamed in chunks.
            byte[] prefix = System.Text.Encoding.UTF8.GetBytes(hit.BodyPrefix ?? "{\"value\":\"");
            byte[] suffix = System.Text.Encoding.UTF8.GetBytes(hit.BodySuffix ?? "\"}");
            long size = Math.Max(hit.BodyBytes!.Value, prefix.Length + suffix.Length);
            ctx.Response.ContentLength = size;
            try
            {
                await ctx.Response.Body.WriteAsync(prefix, ctx.RequestAborted);
                long left = size - prefix.Length - suffix.Length;
                var chunk = new byte[64 * 1024];
                Array.Fill(chunk, (byte)'x');
                while (left > 0)
                {
                    int n = (int)Math.Min(chunk.Length, left);
                    await ctx.Response.Body.WriteAsync(chunk.AsMemory(0, n), ctx.RequestAborted);
                    left -= n;
                }
                await ctx.Response.Body.WriteAsync(suffix, ctx.RequestAborted);
            }
            catch (Exception ex) when (ex is OperationCanceledException || ex is System.IO.IOException)
            {
                // The client stopped reading (as it should, past its limit).
            }
            return true;
        }
        if (hit.Status is not int status)
        {
            return false; // delay only: answer normally, slowly
        }
        IResult result;
        if (status == 429)
        {
            var retry = hit.RetryAfterSeconds ?? 1;
            var h = ctx.Response.Headers;
            h["Retry-After"] = retry.ToString(CultureInfo.InvariantCulture);
            h["X-RateLimit-Resource"] = "Core";
            h["X-RateLimit-Delay"] = (retry + 0.5).ToString("0.000", CultureInfo.InvariantCulture);
            h["X-RateLimit-Limit"] = "200";
            h["X-RateLimit-Remaining"] = "0";
            h["X-RateLimit-Reset"] = DateTimeOffset.UtcNow.AddSeconds(retry).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            result = Wire.VssError(429,
                "TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'Core' in namespace 'User'. For more information on why your request was blocked, see the topic \"Rate limits\" on the Microsoft Web site (https://go.microsoft.com/fwlink/?LinkId=823950).",
                "RequestBlockedException",
                "Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, Microsoft.TeamFoundation.Framework.Server",
                0, 3000);
        }
        else
        {
            if (hit.RetryAfterSeconds is int r)
            {
                ctx.Response.Headers["Retry-After"] = r.ToString(CultureInfo.InvariantCulture);
            }
            result = Wire.VssError(status,
                status == 503
                    ? "TF400898: The service is temporarily unavailable. Try again later. (emulator fault injection)"
                    : "VS403000: An unexpected error occurred on the server. (emulator fault injection)",
                status == 503 ? "ServiceUnavailableException" : "UnexpectedServerException",
                "Microsoft.VisualStudio.Services.Common.VssServiceException, Microsoft.VisualStudio.Services.Common",
                0, 3000);
        }
        await result.ExecuteAsync(ctx);
        return true;
    }

    public static Dictionary<string, object?> Describe(FaultRule r) => new()
    {
        ["pathPrefix"] = r.PathPrefix,
        ["method"] = r.Method,
        ["status"] = r.Status,
        ["count"] = r.Count,
        ["retryAfterSeconds"] = r.RetryAfterSeconds,
        ["delayMs"] = r.DelayMs,
        ["drop"] = r.Drop,
        ["body"] = r.Body,
        ["bodyBytes"] = r.BodyBytes,
        ["hang"] = r.Hang,
        ["hits"] = r.Hits,
    };
}
