using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AzureDevOpsEmulator;

/// <summary>The test-only control API under /_test (not part of the real service). See README.md.</summary>
internal static class ControlEndpoints
{
    private static readonly Regex SafeName = new("^[A-Za-z0-9][A-Za-z0-9._ -]{0,63}$", RegexOptions.CultureInvariant);
    private static readonly HashSet<string> ReservedOrgNames = new(StringComparer.OrdinalIgnoreCase) { "vssps", "_test", "_apis", "oauth2" };

    private static async Task<JsonElement> BodyAsync(HttpContext ctx)
    {
        if (ctx.Request.ContentLength == 0)
        {
            return JsonDocument.Parse("{}").RootElement;
        }
        try
        {
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonDocument.Parse("{}").RootElement;
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && TryGet(e, name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? Bool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && TryGet(e, name, out var v) && (v.ValueKind == JsonValueKind.True || v.ValueKind == JsonValueKind.False) ? v.GetBoolean() : null;

    private static int? Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && TryGet(e, name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static bool TryGet(JsonElement e, string name, out JsonElement value)
    {
        foreach (var p in e.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = p.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    private static IResult Bad(string message, int status = 400) =>
        Results.Json(new Dictionary<string, object?> { ["error"] = message }, statusCode: status);

    private static Dictionary<string, object?> DescribeUser(User u) => new()
    {
        ["id"] = u.Id,
        ["displayName"] = u.DisplayName,
        ["publicAlias"] = u.PublicAlias,
        ["emailAddress"] = u.EmailAddress,
    };

    private static Dictionary<string, object?> DescribeOrg(Org o) => new()
    {
        ["name"] = o.Name,
        ["instanceId"] = o.InstanceId,
        ["tenantId"] = o.TenantId,
        ["sshKeysDisabled"] = o.SshKeysDisabled,
        ["thirdPartyOAuthDisabled"] = o.ThirdPartyOAuthDisabled,
        ["members"] = o.Members.ToList(),
        ["projects"] = o.Projects.Values.Select(p => new Dictionary<string, object?>
        {
            ["id"] = p.Id,
            ["name"] = p.Name,
            ["repos"] = p.Repos.Values.Select(r => new Dictionary<string, object?> { ["id"] = r.Id, ["name"] = r.Name, ["path"] = r.Path }).ToList(),
        }).ToList(),
    };

    public static void Map(WebApplication app, Store store, EmulatorOptions options)
    {
        app.MapGet("/_test/health", () => Results.Json(new { ok = true, pid = Environment.ProcessId }));

        // ---- users ----
        app.MapRead(store, "/_test/users", () => new { signedInUserId = store.SignedInUserId, value = store.Users.Values.Select(DescribeUser).ToList() });
        app.MapPost("/_test/users", async (HttpContext ctx) =>
        {
            var b = await BodyAsync(ctx);
            var user = new User
            {
                Id = Guid.TryParse(Str(b, "id"), out var id) ? id : Guid.NewGuid(),
                DisplayName = Str(b, "displayName") ?? "User " + Store.RandomHex(3),
            };
            user.PublicAlias = Str(b, "publicAlias") ?? user.Id.ToString();
            user.EmailAddress = Str(b, "emailAddress") ?? user.DisplayName.Replace(' ', '.').ToLowerInvariant() + "@example.com";
            lock (store.Gate)
            {
                store.Users[user.Id] = user;
            }
            return Results.Json(DescribeUser(user));
        });
        app.MapPost("/_test/signed-in-user", async (HttpContext ctx) =>
        {
            var b = await BodyAsync(ctx);
            var text = Str(b, "id") ?? Str(b, "userId");
            lock (store.Gate)
            {
                if (!Guid.TryParse(text, out var id) || !store.Users.TryGetValue(id, out var u))
                {
                    return Bad("Unknown user id.", 404);
                }
                store.SignedInUserId = id;
                return Results.Json(DescribeUser(u));
            }
        });

        // ---- apps ----
        app.MapRead(store, "/_test/apps", () => store.Apps.Values.Select(DescribeApp).ToList());
        app.MapPost("/_test/apps", async (HttpContext ctx) =>
        {
            var b = await BodyAsync(ctx);
            var callback = Str(b, "callbackUrl");
            var scopes = Str(b, "scopes");
            if (string.IsNullOrWhiteSpace(callback) || string.IsNullOrWhiteSpace(scopes))
            {
                return Bad("callbackUrl and scopes are required.");
            }
            var expires = ParseDate(Str(b, "secretExpiresOn")) ?? DateTimeOffset.UtcNow.AddDays(60);
            var a = new App
            {
                Id = Guid.NewGuid(),
                Name = Str(b, "name") ?? "Test application",
                CallbackUrl = callback,
                Scopes = string.Join(' ', scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries)),
                AppSecret = Store.RandomHex(32),
            };
            a.Secrets.Add(NewSecret(a, 1, expires));
            lock (store.Gate)
            {
                store.Apps[a.Id] = a;
                return Results.Json(DescribeApp(a));
            }
        });
        app.MapPost("/_test/apps/{id:guid}/rotate-secret", async (HttpContext ctx, Guid id) =>
        {
            var b = await BodyAsync(ctx);
            lock (store.Gate)
            {
                if (!store.Apps.TryGetValue(id, out var a))
                {
                    return Bad("Unknown app.", 404);
                }
                foreach (var s in a.Secrets)
                {
                    s.Active = false;
                }
                var gen = a.Current.Generation + 1;
                a.Secrets.Add(NewSecret(a, gen, ParseDate(Str(b, "secretExpiresOn")) ?? DateTimeOffset.UtcNow.AddDays(60)));
                a.MinValidGeneration = gen; // tokens minted with the old secret die
                return Results.Json(DescribeApp(a));
            }
        });
        app.MapPost("/_test/apps/{id:guid}/expire-secret", (Guid id) =>
        {
            lock (store.Gate)
            {
                if (!store.Apps.TryGetValue(id, out var a))
                {
                    return Bad("Unknown app.", 404);
                }
                a.Current.ExpiresOn = DateTimeOffset.UtcNow.AddSeconds(-1);
                return Results.Json(DescribeApp(a));
            }
        });

        // ---- authorizations and tokens ----
        app.MapRead(store, "/_test/authorizations", () => store.Authorizations.Values.Select(x => new { id = x.Id, userId = x.UserId, appId = x.AppId, revoked = x.Revoked }).ToList());
        app.MapPost("/_test/authorizations/revoke", async (HttpContext ctx) =>
        {
            var b = await BodyAsync(ctx);
            lock (store.Gate)
            {
                var userId = Guid.TryParse(Str(b, "userId"), out var u) ? u : store.SignedInUserId;
                Guid? appId = Guid.TryParse(Str(b, "appId"), out var a) ? a : null;
                var n = 0;
                foreach (var auth in store.Authorizations.Values.Where(x => x.UserId == userId && (appId == null || x.AppId == appId) && !x.Revoked))
                {
                    auth.Revoked = true;
                    n++;
                }
                return Results.Json(new { revoked = n, userId, appId });
            }
        });
        app.MapPost("/_test/tokens", async (HttpContext ctx) =>
        {
            var b = await BodyAsync(ctx);
            lock (store.Gate)
            {
                var userId = Guid.TryParse(Str(b, "userId"), out var u) ? u : store.SignedInUserId;
                if (!store.Users.ContainsKey(userId))
                {
                    return Bad("Unknown user id.", 404);
                }
                var (access, _) = store.Mint(userId, null, null, Str(b, "scope") ?? "app_token", Int(b, "lifetimeSeconds"));
                return Results.Json(new { accessToken = access.Token, userId, expiresOn = access.ExpiresAt });
            }
        });
        app.MapPost("/_test/settings", async (HttpContext ctx) =>
        {
            var b = await BodyAsync(ctx);
            lock (store.Gate)
            {
                store.AccessTokenLifetimeSeconds = Int(b, "accessTokenLifetimeSeconds") ?? store.AccessTokenLifetimeSeconds;
                store.CodeLifetimeSeconds = Int(b, "codeLifetimeSeconds") ?? store.CodeLifetimeSeconds;
                store.RefreshTokenLifetimeSeconds = Int(b, "refreshTokenLifetimeSeconds") ?? store.RefreshTokenLifetimeSeconds;
                return Results.Json(Settings(store));
            }
        });
        app.MapRead(store, "/_test/settings", () => Settings(store));
        app.MapGet("/_test/counters", () =>
        {
            lock (store.Gate)
            {
                int C(string k) => store.Counters.TryGetValue(k, out var v) ? v : 0;
                return Results.Json(new Dictionary<string, object?>
                {
                    ["tokenRequests"] = C("token.total"),
                    ["authorizationCode"] = C("token.jwtBearer"),
                    ["refreshToken"] = C("token.refreshToken"),
                    ["otherGrant"] = C("token.otherGrant"),
                    ["badContentType"] = C("token.badContentType"),
                    ["succeeded"] = C("token.succeeded"),
                    ["failed"] = C("token.failed"),
                });
            }
        });
        app.MapReset(store, "/_test/counters", () => store.Counters.Clear());

        // ---- organizations, projects, repositories ----
        app.MapRead(store, "/_test/orgs", () => store.Orgs.Values.Select(DescribeOrg).ToList());
        app.MapPost("/_test/orgs", async (HttpContext ctx) =>
        {
            var b = await BodyAsync(ctx);
            var name = Str(b, "name");
            if (name == null || !SafeName.IsMatch(name) || name.Contains(' ', StringComparison.Ordinal) || ReservedOrgNames.Contains(name))
            {
                return Bad("A valid organization name is required (letters, digits, '.', '_', '-'; not vssps/_test/_apis/oauth2).");
            }
            var org = new Org
            {
                Name = name,
                InstanceId = Guid.TryParse(Str(b, "instanceId"), out var i) ? i : Guid.NewGuid(),
                TenantId = Guid.TryParse(Str(b, "tenantId"), out var t) ? t : Guid.Empty,
                SshKeysDisabled = Bool(b, "sshKeysDisabled") ?? false,
                ThirdPartyOAuthDisabled = Bool(b, "thirdPartyOAuthDisabled") ?? false,
            };
            if (TryGet(b, "members", out var members) && members.ValueKind == JsonValueKind.Array)
            {
                foreach (var m in members.EnumerateArray())
                {
                    if (Guid.TryParse(m.GetString(), out var memberId))
                    {
                        org.Members.Add(memberId);
                    }
                }
            }
            lock (store.Gate)
            {
                if (store.Orgs.ContainsKey(name))
                {
                    return Bad("The organization already exists.", 409);
                }
                store.Orgs[name] = org;
                return Results.Json(DescribeOrg(org));
            }
        });
        app.MapPost("/_test/orgs/{org}/policies", async (HttpContext ctx, string org) =>
        {
            var b = await BodyAsync(ctx);
            lock (store.Gate)
            {
                if (!store.Orgs.TryGetValue(org, out var o))
                {
                    return Bad("Unknown organization.", 404);
                }
                o.SshKeysDisabled = Bool(b, "sshKeysDisabled") ?? o.SshKeysDisabled;
                o.ThirdPartyOAuthDisabled = Bool(b, "thirdPartyOAuthDisabled") ?? o.ThirdPartyOAuthDisabled;
                return Results.Json(DescribeOrg(o));
            }
        });
        app.MapPost("/_test/orgs/{org}/repos", async (HttpContext ctx, string org) =>
        {
            var b = await BodyAsync(ctx);
            var projectName = Str(b, "project");
            var repoName = Str(b, "repo");
            if (projectName == null || repoName == null || !SafeName.IsMatch(projectName) || !SafeName.IsMatch(repoName))
            {
                return Bad("project and repo are required (letters, digits, spaces, '.', '_', '-').");
            }
            Org? o;
            lock (store.Gate)
            {
                if (!store.Orgs.TryGetValue(org, out o))
                {
                    return Bad("Unknown organization.", 404);
                }
                if (o.Projects.TryGetValue(projectName, out var existing) && existing.Repos.ContainsKey(repoName))
                {
                    return Bad("The repository already exists.", 409);
                }
            }
            var path = Path.Combine(options.DataDir, "repos", o.Name, projectName, repoName + ".git");
            try
            {
                CreateBareRepository(path, repoName, Bool(b, "empty") ?? false);
            }
            catch (InvalidOperationException ex)
            {
                return Bad(ex.Message, 500);
            }
            lock (store.Gate)
            {
                if (!o.Projects.TryGetValue(projectName, out var p))
                {
                    p = new Project { Id = Guid.NewGuid(), Name = projectName };
                    o.Projects[projectName] = p;
                }
                var r = new Repo { Id = Guid.NewGuid(), Name = repoName, Path = path };
                p.Repos[repoName] = r;
                return Results.Json(new Dictionary<string, object?>
                {
                    ["org"] = o.Name,
                    ["project"] = p.Name,
                    ["projectId"] = p.Id,
                    ["repo"] = r.Name,
                    ["repoId"] = r.Id,
                    ["path"] = r.Path,
                    ["defaultBranch"] = r.DefaultBranch,
                });
            }
        });

        // ---- faults ----
        app.MapRead(store, "/_test/faults", () => store.Faults.Select(Faults.Describe).ToList());
        app.MapPost("/_test/faults", async (HttpContext ctx) =>
        {
            var b = await BodyAsync(ctx);
            var items = b.ValueKind == JsonValueKind.Array ? b.EnumerateArray().ToList()
                : b.ValueKind == JsonValueKind.Object && TryGet(b, "rules", out var rules) && rules.ValueKind == JsonValueKind.Array ? rules.EnumerateArray().ToList()
                : b.ValueKind == JsonValueKind.Object ? new List<JsonElement> { b } : new List<JsonElement>();
            var added = new List<FaultRule>();
            foreach (var e in items)
            {
                var rule = new FaultRule
                {
                    PathPrefix = Str(e, "pathPrefix") ?? "/",
                    Method = Str(e, "method"),
                    Status = Int(e, "status"),
                    Count = Int(e, "count") ?? 1,
                    RetryAfterSeconds = Int(e, "retryAfterSeconds"),
                    DelayMs = Int(e, "delayMs") ?? 0,
                    Drop = Bool(e, "drop") ?? false,
                    Body = Str(e, "body"),
                    ContentType = Str(e, "contentType"),
                    BodyBytes = Int(e, "bodyBytes"),
                    BodyPrefix = Str(e, "bodyPrefix"),
                    BodySuffix = Str(e, "bodySuffix"),
                    Hang = Bool(e, "hang") ?? false,
                };
                if (rule.Status == null && rule.DelayMs <= 0 && !rule.Drop && rule.Body == null && rule.BodyBytes == null && !rule.Hang)
                {
                    return Bad("A fault rule needs status, delayMs, drop, body, bodyBytes or hang.");
                }
                added.Add(rule);
            }
            lock (store.Gate)
            {
                store.Faults.AddRange(added);
                return Results.Json(store.Faults.Select(Faults.Describe).ToList());
            }
        });
        app.MapReset(store, "/_test/faults", () => store.Faults.Clear());

        // ---- ssh ----
        app.MapPost("/_test/ssh/config", async (HttpContext ctx) =>
        {
            var b = await BodyAsync(ctx);
            lock (store.Gate)
            {
                store.Ssh.Port = Int(b, "port") ?? store.Ssh.Port;
                store.Ssh.Host = Str(b, "host") ?? store.Ssh.Host;
                store.Ssh.User = Str(b, "user") ?? store.Ssh.User;
                store.Ssh.ForcedCommand = Str(b, "forcedCommand") ?? store.Ssh.ForcedCommand;
                store.Ssh.NewKeyDelaySeconds = Int(b, "newKeyDelaySeconds") ?? store.Ssh.NewKeyDelaySeconds;
                return Results.Json(new { port = store.Ssh.Port, host = store.Ssh.Host, user = store.Ssh.User, forcedCommand = store.Ssh.ForcedCommand, newKeyDelaySeconds = store.Ssh.NewKeyDelaySeconds });
            }
        });
        app.MapRead(store, "/_test/ssh/keys", () => store.SshKeys.Values.Select(k =>
        {
            var d = RestEndpoints.Describe(k, true);
            d["org"] = k.Org;
            d["deleted"] = k.Deleted;
            return d;
        }).ToList());
        app.MapPost("/_test/ssh/expire", async (HttpContext ctx) =>
        {
            var b = await BodyAsync(ctx);
            lock (store.Gate)
            {
                var id = Guid.TryParse(Str(b, "authorizationId"), out var g) ? g : Guid.Empty;
                if (!store.SshKeys.TryGetValue(id, out var k))
                {
                    return Bad("Unknown authorizationId.", 404);
                }
                k.ValidTo = DateTimeOffset.UtcNow.AddSeconds(-1);
                return Results.Json(RestEndpoints.Describe(k, true));
            }
        });
        app.MapGet("/_test/ssh/authorized-keys", (HttpContext ctx) =>
        {
            var blob = ctx.Request.Query["key"].ToString();
            var sb = new StringBuilder();
            lock (store.Gate)
            {
                var now = DateTimeOffset.UtcNow;
                var forced = store.Ssh.ForcedCommand;
                var accepted = now.AddSeconds(-store.Ssh.NewKeyDelaySeconds);
                foreach (var k in store.SshKeys.Values.Where(k => !k.Deleted && k.ValidTo > now && k.ValidFrom <= accepted && k.KeyBlob == blob))
                {
                    if (forced == null)
                    {
                        break;
                    }
                    sb.Append("command=\"").Append(forced).Append(' ').Append(k.UserId).Append(' ').Append(k.AuthorizationId)
                      .Append("\",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty ")
                      .Append(k.KeyType).Append(' ').Append(k.KeyBlob).Append('\n');
                }
            }
            return Results.Text(sb.ToString(), "text/plain; charset=utf-8");
        });
        app.MapGet("/_test/ssh/resolve", (HttpContext ctx) => Resolve(ctx, store));
    }

    private static IResult Resolve(HttpContext ctx, Store store)
    {
        var authText = ctx.Request.Query["authorizationId"].ToString();
        var path = ctx.Request.Query["path"].ToString();
        const string AuthFailed = "Public key authentication failed.";
        lock (store.Gate)
        {
            if (!Guid.TryParse(authText, out var id) || !store.SshKeys.TryGetValue(id, out var key) || key.Deleted || key.ValidTo <= DateTimeOffset.UtcNow)
            {
                return Results.Text(AuthFailed, "text/plain", statusCode: 403);
            }
            var trimmed = path.TrimStart('/');
            var segments = trimmed.Split('/');
            if (segments.Length != 4 || segments[0] != "v3" || segments.Any(s => s.Length == 0))
            {
                return Results.Text($"TF401019: The Git repository with name or identifier {path} does not exist or you do not have permissions for the operation you are attempting.", "text/plain", statusCode: 404);
            }
            var orgName = Uri.UnescapeDataString(segments[1]);
            var projectName = Uri.UnescapeDataString(segments[2]);
            var repoName = Uri.UnescapeDataString(segments[3]);
            if (repoName.EndsWith(".git", StringComparison.OrdinalIgnoreCase))
            {
                repoName = repoName.Substring(0, repoName.Length - 4);
            }
            // The same user may have the same key registered in several organizations (one entry each): sshd ran
            // with the first entry it was given; the one that counts is the entry of the repository's organization.
            if (!string.Equals(orgName, key.Org, StringComparison.OrdinalIgnoreCase))
            {
                var now = DateTimeOffset.UtcNow;
                key = store.SshKeys.Values.FirstOrDefault(k => !k.Deleted && k.ValidTo > now && k.UserId == key.UserId &&
                    k.KeyBlob == key.KeyBlob && string.Equals(k.Org, orgName, StringComparison.OrdinalIgnoreCase)) ?? key;
            }
            if (!string.Equals(orgName, key.Org, StringComparison.OrdinalIgnoreCase) ||
                !store.Orgs.TryGetValue(orgName, out var org) || org.SshKeysDisabled)
            {
                return Results.Text(AuthFailed, "text/plain", statusCode: 403);
            }
            if (!org.Projects.TryGetValue(projectName, out var project) || !project.Repos.TryGetValue(repoName, out var repo))
            {
                return Results.Text($"TF401019: The Git repository with name or identifier {repoName} does not exist or you do not have permissions for the operation you are attempting.", "text/plain", statusCode: 404);
            }
            return Results.Text(repo.Path, "text/plain");
        }
    }

    private static Dictionary<string, object?> Settings(Store s) => new()
    {
        ["accessTokenLifetimeSeconds"] = s.AccessTokenLifetimeSeconds,
        ["codeLifetimeSeconds"] = s.CodeLifetimeSeconds,
        ["refreshTokenLifetimeSeconds"] = s.RefreshTokenLifetimeSeconds,
    };

    private static DateTimeOffset? ParseDate(string? text) =>
        text != null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) ? d : null;

    private static ClientSecret NewSecret(App a, int generation, DateTimeOffset expires)
    {
        var now = DateTimeOffset.UtcNow;
        return new ClientSecret
        {
            Generation = generation,
            ExpiresOn = expires,
            Value = Store.JwtLooking(new Dictionary<string, object?>
            {
                ["cid"] = a.Id.ToString(),
                ["csi"] = Guid.NewGuid().ToString(),
                ["nameid"] = Guid.NewGuid().ToString(),
                ["iss"] = "app.vstoken.visualstudio.com",
                ["aud"] = "app.vstoken.visualstudio.com",
                ["nbf"] = now.ToUnixTimeSeconds(),
                ["exp"] = expires.ToUnixTimeSeconds(),
            }),
        };
    }

    private static Dictionary<string, object?> DescribeApp(App a) => new()
    {
        ["id"] = a.Id,
        ["name"] = a.Name,
        ["callbackUrl"] = a.CallbackUrl,
        ["scopes"] = a.Scopes,
        ["clientSecret"] = a.Current.Value,
        ["appSecret"] = a.AppSecret,
        ["secretExpiresOn"] = a.Current.ExpiresOn,
    };

    private static void CreateBareRepository(string path, string repoName, bool empty)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Git(null, null, "init", "--quiet", "--bare", "--initial-branch=main", path);
        if (empty)
        {
            return;
        }
        var blob = Git(path, $"# {repoName}\n\nCreated by the Azure DevOps emulator.\n", "hash-object", "-w", "--stdin").Trim();
        var tree = Git(path, $"100644 blob {blob}\tREADME.md\n", "mktree").Trim();
        var commit = Git(path, null, "commit-tree", tree, "-m", "Initial commit").Trim();
        Git(path, null, "update-ref", "refs/heads/main", commit);
    }

    private static string Git(string? gitDir, string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("git")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (gitDir != null)
        {
            psi.ArgumentList.Add("--git-dir=" + gitDir);
        }
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["GIT_AUTHOR_NAME"] = "Azure DevOps Emulator";
        psi.Environment["GIT_AUTHOR_EMAIL"] = "emulator@example.com";
        psi.Environment["GIT_COMMITTER_NAME"] = "Azure DevOps Emulator";
        psi.Environment["GIT_COMMITTER_EMAIL"] = "emulator@example.com";
        psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("Could not start git.");
        if (stdin != null)
        {
            p.StandardInput.Write(stdin);
        }
        p.StandardInput.Close();
        var stderrTask = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({p.ExitCode}): {stderrTask.Result}");
        }
        return stdout;
    }
}
