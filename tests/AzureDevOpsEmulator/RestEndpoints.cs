using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AzureDevOpsEmulator;

/// <summary>REST surface: profile (root), organizations (/{org}) and vssps (/vssps/{org}).</summary>
internal static class RestEndpoints
{
    public const string IssueProvider = "ms.vss-token-web.personal-access-token-issue-session-token-provider";

    public static void Map(WebApplication app, Store store)
    {
        app.MapGet("/_apis/profile/profiles/me", (HttpContext ctx) =>
        {
            var (token, fail) = Authenticate(ctx, store, null);
            if (fail != null)
            {
                return fail;
            }
            User user;
            lock (store.Gate)
            {
                user = store.Users[token!.UserId];
            }
            return Results.Json(new Dictionary<string, object?>
            {
                ["displayName"] = user.DisplayName,
                ["publicAlias"] = user.PublicAlias,
                ["emailAddress"] = user.EmailAddress,
                ["coreRevision"] = 1,
                ["timeStamp"] = DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture),
                ["id"] = user.Id,
                ["revision"] = 1,
            });
        });

        // The Accounts API: the organizations a member belongs to. Every user of the emulator belongs to every organization
        // (as connectionData lets any user in), unless the organization lists its members (/_test/orgs {members:[...]}).
        app.MapGet("/_apis/accounts", (HttpContext ctx) =>
        {
            var (token, fail) = Authenticate(ctx, store, null);
            if (fail != null)
            {
                return fail;
            }
            string memberId = ctx.Request.Query["memberId"].ToString();
            string ownerId = ctx.Request.Query["ownerId"].ToString();
            if (memberId.Length == 0 && ownerId.Length == 0)
            {
                return Wire.VssError(400, "VS800026: The memberId or ownerId parameter is required. (emulator)", "ArgumentException", "System.ArgumentException, mscorlib");
            }
            var baseUrl = Wire.BaseUrl(ctx.Request);
            var list = new List<Dictionary<string, object?>>();
            lock (store.Gate)
            {
                if (!store.Users.TryGetValue(token!.UserId, out var user))
                {
                    return Wire.VssError(401, "TF400813: The user is not authorized to access this resource.", "UnauthorizedRequestException", Wire.UnauthorizedTypeName);
                }
                string asked = memberId.Length > 0 ? memberId : ownerId;
                bool self = string.Equals(asked, user.Id.ToString(), StringComparison.OrdinalIgnoreCase) || string.Equals(asked, user.PublicAlias, StringComparison.OrdinalIgnoreCase) || string.Equals(asked, "me", StringComparison.OrdinalIgnoreCase);
                if (!self)
                {
                    return Wire.VssError(401, $"TF400813: The user '{user.Id}' is not authorized to access this resource.", "UnauthorizedRequestException", Wire.UnauthorizedTypeName);
                }
                foreach (Org o in store.Orgs.Values.OrderBy(o => o.Name, StringComparer.OrdinalIgnoreCase))
                {
                    if (o.Members.Count > 0 && !o.Members.Contains(user.Id))
                    {
                        continue;
                    }
                    list.Add(new Dictionary<string, object?>
                    {
                        ["accountId"] = o.InstanceId,
                        ["accountUri"] = baseUrl + "/vssps/" + o.Name + "/",
                        ["accountName"] = o.Name,
                        ["properties"] = new Dictionary<string, object?>(),
                    });
                }
            }
            return Results.Json(new Dictionary<string, object?> { ["count"] = list.Count, ["value"] = list });
        });

        app.MapGet("/{org}/_apis/connectionData", (HttpContext ctx, string org) =>
        {
            var (o, token, fail) = OrgAuth(ctx, store, org);
            if (fail != null)
            {
                return fail;
            }
            User user;
            lock (store.Gate)
            {
                user = store.Users[token!.UserId];
            }
            var identity = new Dictionary<string, object?>
            {
                ["id"] = user.Id,
                ["descriptor"] = "Microsoft.IdentityModel.Claims.ClaimsIdentity;" + user.EmailAddress,
                ["subjectDescriptor"] = "msa." + Store.Base64Url(user.Id.ToByteArray()),
                ["providerDisplayName"] = user.DisplayName,
                ["isActive"] = true,
                ["properties"] = new Dictionary<string, object?>
                {
                    ["Account"] = new Dictionary<string, object?> { ["$type"] = "System.String", ["$value"] = user.EmailAddress },
                },
                ["resourceVersion"] = 2,
                ["metaTypeId"] = 0,
            };
            return Results.Json(new Dictionary<string, object?>
            {
                ["authenticatedUser"] = identity,
                ["authorizedUser"] = identity,
                ["instanceId"] = o!.InstanceId,
                ["deploymentId"] = o.InstanceId,
                ["deploymentType"] = "hosted",
                ["locationServiceData"] = new Dictionary<string, object?>
                {
                    ["serviceOwner"] = "00025394-6065-48ca-87d9-7f5672854ef7",
                    ["defaultAccessMappingMoniker"] = "PublicAccessMapping",
                    ["lastChangeId"] = 1,
                    ["lastChangeId64"] = 1,
                },
            });
        });

        app.MapGet("/{org}/_apis/git/repositories", (HttpContext ctx, string org) => Repositories(ctx, store, org, null));
        app.MapGet("/{org}/{project}/_apis/git/repositories", (HttpContext ctx, string org, string project) => Repositories(ctx, store, org, project));

        // The projects of an organization (GET https://dev.azure.com/{org}/_apis/projects), as the help pages'
        // examples of calling the REST API with the module's token use it: the projects its repositories were made in.
        app.MapGet("/{org}/_apis/projects", (HttpContext ctx, string org) => Projects(ctx, store, org, null));
        app.MapGet("/{org}/_apis/projects/{project}", (HttpContext ctx, string org, string project) => Projects(ctx, store, org, project));

        app.MapPost("/{org}/_apis/Contribution/HierarchyQuery", (HttpContext ctx, string org) => HierarchyQueryAsync(ctx, store, org));

        // The key list and delete live on the token service: vssps.dev.azure.com/{org} on the hosted service (here
        // /vssps/{org}, the stand-in for that separate host), and the collection URL itself on Azure DevOps Server
        // (https://server/tfs/DefaultCollection/_apis/Token/SessionTokens). Both layouts are served.
        app.MapGet("/vssps/{org}/_apis/Token/SessionTokens", (HttpContext ctx, string org) => ListSessionTokens(ctx, store, org));
        app.MapGet("/{org}/_apis/Token/SessionTokens", (HttpContext ctx, string org) => ListSessionTokens(ctx, store, org));
        app.MapDelete("/vssps/{org}/_apis/Token/SessionTokens/{authorizationId}", (HttpContext ctx, string org, string authorizationId) => DeleteSessionToken(ctx, store, org, authorizationId));
        app.MapDelete("/{org}/_apis/Token/SessionTokens/{authorizationId}", (HttpContext ctx, string org, string authorizationId) => DeleteSessionToken(ctx, store, org, authorizationId));
    }

    private static IResult ListSessionTokens(HttpContext ctx, Store store, string org)
    {
        {
            var (o, token, fail) = OrgAuth(ctx, store, org);
            if (fail != null)
            {
                return fail;
            }
            var isPublic = !string.Equals(ctx.Request.Query["isPublic"], "false", StringComparison.OrdinalIgnoreCase);
            var includePublicData = string.Equals(ctx.Request.Query["includePublicData"], "true", StringComparison.OrdinalIgnoreCase);
            List<Dictionary<string, object?>> list;
            lock (store.Gate)
            {
                list = !isPublic
                    ? new List<Dictionary<string, object?>>()
                    : store.SshKeys.Values
                        .Where(k => !k.Deleted && k.UserId == token!.UserId && string.Equals(k.Org, o!.Name, StringComparison.OrdinalIgnoreCase))
                        .OrderBy(k => k.ValidFrom)
                        .Select(k => Describe(k, includePublicData))
                        .ToList();
            }
            return Results.Json(new Dictionary<string, object?> { ["count"] = list.Count, ["value"] = list });
        }
    }

    private static IResult DeleteSessionToken(HttpContext ctx, Store store, string org, string authorizationId)
    {
        {
            var (o, token, fail) = OrgAuth(ctx, store, org);
            if (fail != null)
            {
                return fail;
            }
            lock (store.Gate)
            {
                if (Guid.TryParse(authorizationId, out var id) && store.SshKeys.TryGetValue(id, out var key) && !key.Deleted &&
                    key.UserId == token!.UserId && string.Equals(key.Org, o!.Name, StringComparison.OrdinalIgnoreCase))
                {
                    key.Deleted = true;
                    return Results.NoContent();
                }
            }
            return Wire.VssError(404, $"The session token with authorization id '{authorizationId}' was not found.",
                "SessionTokenNotFoundException",
                "Microsoft.VisualStudio.Services.DelegatedAuthorization.SessionTokenNotFoundException, Microsoft.VisualStudio.Services.WebApi");
        }
    }

    public static Dictionary<string, object?> Describe(SshKey k, bool includePublicData) => new()
    {
        ["clientId"] = Guid.Empty,
        ["accessId"] = k.AccessId,
        ["authorizationId"] = k.AuthorizationId,
        ["hostAuthorizationId"] = Guid.Empty,
        ["userId"] = k.UserId,
        ["validFrom"] = k.ValidFrom.UtcDateTime,
        ["validTo"] = k.ValidTo.UtcDateTime,
        ["displayName"] = k.DisplayName,
        ["scope"] = k.Scope,
        ["targetAccounts"] = k.TargetAccounts.ToArray(),
        ["token"] = null,
        ["alternateToken"] = null,
        ["isValid"] = k.ValidTo > DateTimeOffset.UtcNow,
        ["isPublic"] = true,
        ["publicData"] = includePublicData ? k.PublicData : null,
        ["source"] = null,
        ["claims"] = null,
    };

    private static bool SuppressRedirect(HttpContext ctx) =>
        string.Equals(ctx.Request.Headers["X-TFS-FedAuthRedirect"].ToString(), "Suppress", StringComparison.OrdinalIgnoreCase);

    /// <summary>Checks the bearer token. Returns the token, or the response to send instead.</summary>
    public static (AccessToken? Token, IResult? Fail) Authenticate(HttpContext ctx, Store store, Org? org)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        AccessToken? token = null;
        Guid? revokedUser = null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var value = header.Substring(7).Trim();
            lock (store.Gate)
            {
                token = store.FindAccessToken(value, out revokedUser);
            }
            token ??= revokedUser == null ? EntraEndpoints.Authenticate(store, value, org) : null;
        }
        else if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            // A personal access token as Azure DevOps documents it: Basic base64(":" + PAT) (any user name).
            // Only tokens of /_test/tokens stand for PATs; OAuth tokens are not accepted this way.
            string decoded;
            try { decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header.Substring(6).Trim())); }
            catch (FormatException) { decoded = string.Empty; }
            var colon = decoded.IndexOf(':');
            var value = colon < 0 ? string.Empty : decoded.Substring(colon + 1);
            if (value.Length > 0)
            {
                lock (store.Gate)
                {
                    token = store.FindAccessToken(value, out revokedUser);
                }
                if (token != null && token.IsOAuth) { token = null; }
            }
        }
        var tenant = org?.TenantId ?? Guid.Empty;
        if (revokedUser is Guid ru)
        {
            return (null, Wire.VssError(401, $"TF400813: The user '{ru}' is not authorized to access this resource.",
                "UnauthorizedRequestException", Wire.UnauthorizedTypeName));
        }
        if (token == null)
        {
            ctx.Response.Headers["X-VSS-ResourceTenant"] = tenant.ToString();
            ctx.Response.Headers.Append("WWW-Authenticate", tenant == Guid.Empty
                ? "Bearer"
                : "Bearer authorization_uri=https://login.microsoftonline.com/" + tenant);
            ctx.Response.Headers.Append("WWW-Authenticate", "Basic realm=\"https://tfsprodweu5.visualstudio.com/\"");
            ctx.Response.Headers.Append("WWW-Authenticate", "TFS-Federated");
            if (SuppressRedirect(ctx))
            {
                return (null, Wire.VssError(401, "TF400813: Resource not available for anonymous access. Client authentication required.",
                    "UnauthorizedRequestException", Wire.UnauthorizedTypeName));
            }
            return (null, Wire.Html(203, "Azure DevOps Services | Sign In",
                "<h1>Sign in</h1>\n<p>Sign in to your account to continue to Azure DevOps.</p>\n" +
                "<form id=\"signin\" method=\"get\" action=\"https://login.microsoftonline.com/\"><button id=\"signin-button\">Sign in</button></form>"));
        }
        if (org != null && org.ThirdPartyOAuthDisabled && token.IsOAuth)
        {
            return (null, Wire.VssError(401, $"TF400813: The user '{token.UserId}' is not authorized to access this resource.",
                "UnauthorizedRequestException", Wire.UnauthorizedTypeName));
        }
        return (token, null);
    }

    private static (Org? Org, AccessToken? Token, IResult? Fail) OrgAuth(HttpContext ctx, Store store, string orgName)
    {
        Org? org;
        lock (store.Gate)
        {
            store.Orgs.TryGetValue(orgName, out org);
        }
        if (org == null)
        {
            return (null, null, Wire.VssError(404, $"VS800075: The organization '{orgName}' does not exist. (emulator)",
                "AccountNotFoundException",
                "Microsoft.VisualStudio.Services.Account.AccountNotFoundException, Microsoft.VisualStudio.Services.WebApi"));
        }
        var (token, fail) = Authenticate(ctx, store, org);
        return (org, token, fail);
    }

    private static IResult Projects(HttpContext ctx, Store store, string orgName, string? projectName)
    {
        var (org, _, fail) = OrgAuth(ctx, store, orgName);
        if (fail != null)
        {
            return fail;
        }
        var baseUrl = Wire.BaseUrl(ctx.Request);
        lock (store.Gate)
        {
            if (projectName != null)
            {
                var p = FindProject(org!, projectName);
                return p == null ? ProjectNotFound(projectName) : Results.Json(DescribeProject(baseUrl, org!, p));
            }
            var list = org!.Projects.Values.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).Select(p => DescribeProject(baseUrl, org, p)).ToList();
            return Results.Json(new Dictionary<string, object?> { ["count"] = list.Count, ["value"] = list });
        }
    }

    private static Project? FindProject(Org org, string nameOrId) => org.Projects.Values.FirstOrDefault(x =>
        string.Equals(x.Name, nameOrId, StringComparison.OrdinalIgnoreCase) ||
        string.Equals(x.Id.ToString(), nameOrId, StringComparison.OrdinalIgnoreCase));

    private static IResult ProjectNotFound(string projectName) => Wire.VssError(404,
        $"TF200016: The following project does not exist: {projectName}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.",
        "ProjectDoesNotExistWithNameException",
        "Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, Microsoft.TeamFoundation.Core.WebApi");

    private static Dictionary<string, object?> DescribeProject(string baseUrl, Org org, Project p) => new()
    {
        ["id"] = p.Id,
        ["name"] = p.Name,
        ["url"] = $"{baseUrl}/{Uri.EscapeDataString(org.Name)}/_apis/projects/{p.Id}",
        ["state"] = "wellFormed",
        ["revision"] = 1,
        ["visibility"] = "private",
        ["lastUpdateTime"] = "2025-01-01T00:00:00Z",
    };

    private static IResult Repositories(HttpContext ctx, Store store, string orgName, string? projectName)
    {
        var (org, _, fail) = OrgAuth(ctx, store, orgName);
        if (fail != null)
        {
            return fail;
        }
        var baseUrl = Wire.BaseUrl(ctx.Request);
        var list = new List<Dictionary<string, object?>>();
        lock (store.Gate)
        {
            IEnumerable<Project> projects;
            if (projectName != null)
            {
                var p = FindProject(org!, projectName);
                if (p == null)
                {
                    return ProjectNotFound(projectName);
                }
                projects = new[] { p };
            }
            else
            {
                projects = org!.Projects.Values;
            }
            foreach (var p in projects)
            {
                foreach (var r in p.Repos.Values)
                {
                    list.Add(DescribeRepo(store, baseUrl, org!, p, r));
                }
            }
        }
        return Results.Json(new Dictionary<string, object?> { ["value"] = list, ["count"] = list.Count });
    }

    private static Dictionary<string, object?> DescribeRepo(Store store, string baseUrl, Org org, Project p, Repo r)
    {
        string E(string s) => Uri.EscapeDataString(s);
        var uri = new Uri(baseUrl);
        var webUrl = $"{baseUrl}/{E(org.Name)}/{E(p.Name)}/_git/{E(r.Name)}";
        var remoteUrl = $"{uri.Scheme}://{E(org.Name)}@{uri.Authority}/{E(org.Name)}/{E(p.Name)}/_git/{E(r.Name)}";
        var sshUrl = store.Ssh.Port is int port
            ? $"ssh://{store.Ssh.User}@{store.Ssh.Host}:{port}/v3/{E(org.Name)}/{E(p.Name)}/{E(r.Name)}"
            : $"git@ssh.dev.azure.com:v3/{E(org.Name)}/{E(p.Name)}/{E(r.Name)}";
        return new Dictionary<string, object?>
        {
            ["id"] = r.Id,
            ["name"] = r.Name,
            ["url"] = $"{baseUrl}/{E(org.Name)}/{p.Id}/_apis/git/repositories/{r.Id}",
            ["project"] = DescribeProject(baseUrl, org, p),
            ["defaultBranch"] = r.DefaultBranch,
            ["size"] = 0,
            ["remoteUrl"] = remoteUrl,
            ["sshUrl"] = sshUrl,
            ["webUrl"] = webUrl,
            ["isDisabled"] = false,
            ["isInMaintenance"] = false,
        };
    }

    private static IResult ProviderError(string error, string message, string exceptionType = "SessionTokenCreateException") =>
        Results.Json(new Dictionary<string, object?>
        {
            ["dataProviderSharedData"] = new Dictionary<string, object?>(),
            ["dataProviderExceptions"] = new Dictionary<string, object?>
            {
                [IssueProvider] = new Dictionary<string, object?>
                {
                    ["exceptionType"] = exceptionType,
                    ["message"] = message,
                    ["stackTrace"] = null,
                    ["sessionTokenError"] = error,
                },
            },
            ["dataProviders"] = new Dictionary<string, object?>
            {
                ["ms.vss-web.component-data"] = new Dictionary<string, object?>(),
                ["ms.vss-web.shared-data"] = null,
                [IssueProvider] = null,
            },
        });

    private static async Task<IResult> HierarchyQueryAsync(HttpContext ctx, Store store, string orgName)
    {
        var (org, token, fail) = OrgAuth(ctx, store, orgName);
        if (fail != null)
        {
            return fail;
        }
        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(ctx.Request.Body);
        }
        catch (JsonException)
        {
            return Wire.VssError(400, "VS402815: The request body is not valid JSON. (emulator)", "InvalidArgumentValueException",
                "Microsoft.TeamFoundation.Framework.Server.InvalidArgumentValueException, Microsoft.TeamFoundation.Framework.Server");
        }
        using var _ = doc;
        var root = doc.RootElement;
        var ids = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("contributionIds", out var c) && c.ValueKind == JsonValueKind.Array
            ? c.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : null).ToList()
            : new List<string?>();
        if (!ids.Contains(IssueProvider))
        {
            // Other contributions are not emulated: answer with an empty data provider set.
            return Results.Json(new Dictionary<string, object?>
            {
                ["dataProviderSharedData"] = new Dictionary<string, object?>(),
                ["dataProviders"] = new Dictionary<string, object?>(),
            });
        }
        JsonElement props = default;
        var hasProps = root.TryGetProperty("dataProviderContext", out var dpc) && dpc.ValueKind == JsonValueKind.Object &&
                       dpc.TryGetProperty("properties", out props) && props.ValueKind == JsonValueKind.Object;
        string? Str(string name) => hasProps && props.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        if (org!.SshKeysDisabled)
        {
            return ProviderError("sshPolicyDisabled", "SSH keys are disabled on this organization.");
        }
        var displayName = Str("displayName");
        if (string.IsNullOrWhiteSpace(displayName))
        {
            return ProviderError("displayNameRequired", "A display name is required.");
        }
        if (displayName.Length > 256)
        {
            return ProviderError("invalidDisplayName", "The display name must be 256 characters or fewer.");
        }
        var scope = Str("scope");
        if (!string.Equals(scope, "app_token", StringComparison.Ordinal))
        {
            return ProviderError("invalidScope", "The scope of an SSH key must be 'app_token'.");
        }
        if (!(hasProps && props.TryGetProperty("isPublic", out var isPublic) && isPublic.ValueKind == JsonValueKind.True))
        {
            return ProviderError("invalidScope", "SSH keys are public session tokens: isPublic must be true.");
        }
        var publicData = Str("publicData") ?? "";
        var keyError = ValidateKey(publicData, out var keyType, out var keyBlob);
        if (keyError != null)
        {
            return ProviderError("invalidPublicKey", keyError, "ArgumentException");
        }
        var now = DateTimeOffset.UtcNow;
        var validToText = Str("validTo");
        DateTimeOffset validTo;
        if (validToText == null)
        {
            validTo = now.AddYears(1);
        }
        else if (!DateTimeOffset.TryParse(validToText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out validTo) || validTo <= now)
        {
            return ProviderError("invalidValidTo", "The expiration date is not valid.");
        }
        if (validTo > now.AddYears(1))
        {
            validTo = now.AddYears(1); // silently shortened, as the service does
        }
        var targets = hasProps && props.TryGetProperty("targetAccounts", out var ta) && ta.ValueKind == JsonValueKind.Array
            ? ta.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
            : new List<string>();
        if (!targets.Any(t => Guid.TryParse(t, out var g) && g == org.InstanceId))
        {
            return ProviderError("invalidTargetAccounts", "The target accounts must contain the organization's instance id.");
        }
        SshKey key;
        lock (store.Gate)
        {
            // A key blob belongs to one user: another user's key (or a linked account's) is "already in use". The same
            // user adds the same key to each organization separately (MicrosoftDocs/azure-devops-docs#7202, #12009);
            // twice in one organization is refused too (the client finds it listed first).
            if (store.SshKeys.Values.Any(k => !k.Deleted && k.KeyBlob == keyBlob &&
                    (k.UserId != token!.UserId || string.Equals(k.Org, org.Name, StringComparison.OrdinalIgnoreCase))))
            {
                return ProviderError("duplicateHash", "The SSH public key is already in use.");
            }
            key = new SshKey
            {
                AuthorizationId = Guid.NewGuid(),
                AccessId = Guid.NewGuid(),
                UserId = token!.UserId,
                Org = org.Name,
                DisplayName = displayName,
                PublicData = publicData,
                KeyType = keyType!,
                KeyBlob = keyBlob!,
                ValidFrom = now,
                ValidTo = validTo,
            };
            key.TargetAccounts.Add(org.InstanceId.ToString());
            store.SshKeys[key.AuthorizationId] = key;
        }
        return Results.Json(new Dictionary<string, object?>
        {
            ["dataProviderSharedData"] = new Dictionary<string, object?>(),
            ["dataProviders"] = new Dictionary<string, object?>
            {
                ["ms.vss-web.component-data"] = new Dictionary<string, object?>(),
                ["ms.vss-web.shared-data"] = null,
                [IssueProvider] = Describe(key, true),
            },
        });
    }

    /// <summary>Returns an error message, or null when the key is an acceptable "ssh-rsa AAAA... [comment]" line.</summary>
    public static string? ValidateKey(string publicData, out string? keyType, out string? keyBlob)
    {
        keyType = null;
        keyBlob = null;
        const string Tail = " Valid keys will start with \"ssh-rsa\".";
        if (publicData.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            return "Invalid key: this looks like a private key; paste the public key." + Tail;
        }
        if (publicData.Length == 0)
        {
            return "Invalid key: the key data is empty." + Tail;
        }
        if (publicData.Contains('\n', StringComparison.Ordinal) || publicData.Contains('\r', StringComparison.Ordinal))
        {
            return "Invalid key: the key data contains a line break." + Tail;
        }
        var parts = publicData.Split(' ', 3);
        if (parts.Length < 2 || parts[0] != "ssh-rsa")
        {
            return $"Invalid key: key type '{(parts.Length > 0 ? parts[0] : "")}' is not supported." + Tail;
        }
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            return "Invalid key: the key data is not valid base64." + Tail;
        }
        // The blob starts with the length-prefixed key type name.
        if (blob.Length < 11 || blob[0] != 0 || blob[1] != 0 || blob[2] != 0 || blob[3] != 7 ||
            System.Text.Encoding.ASCII.GetString(blob, 4, 7) != "ssh-rsa")
        {
            return "Invalid key: the key data does not hold an RSA key." + Tail;
        }
        keyType = parts[0];
        keyBlob = parts[1];
        return null;
    }
}
