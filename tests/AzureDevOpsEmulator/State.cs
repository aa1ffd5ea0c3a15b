using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AzureDevOpsEmulator;

internal sealed class EmulatorOptions
{
    public string? ReadyFile { get; set; }
    public string DataDir { get; set; } = "";
    public bool DataDirCreated { get; set; }
    public string? CertificateFile { get; set; }
    public string? KeyFile { get; set; }
    public bool AllowHttpCallbacks { get; set; }
}

internal sealed class User
{
    public Guid Id { get; set; }
    public string DisplayName { get; set; } = "";
    public string PublicAlias { get; set; } = "";
    public string EmailAddress { get; set; } = "";
}

internal sealed class ClientSecret
{
    public string Value { get; set; } = "";
    public int Generation { get; set; }
    public DateTimeOffset ExpiresOn { get; set; }
    public bool Active { get; set; } = true;
}

internal sealed class App
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string CallbackUrl { get; set; } = "";
    public string Scopes { get; set; } = "";
    public List<ClientSecret> Secrets { get; } = new();
    public string AppSecret { get; set; } = "";
    /// <summary>Tokens minted with a secret generation below this are dead (secret regenerated).</summary>
    public int MinValidGeneration { get; set; } = 1;
    public ClientSecret Current => Secrets[Secrets.Count - 1];
}

internal sealed class Authorization
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public Guid AppId { get; set; }
    public bool Revoked { get; set; }
}

internal sealed class AuthCode
{
    public string Code { get; set; } = "";
    public Guid AppId { get; set; }
    public Guid UserId { get; set; }
    public Guid AuthorizationId { get; set; }
    public string RedirectUri { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
    public bool Used { get; set; }
}

internal sealed class PendingConsent
{
    public string Id { get; set; } = "";
    public Guid AppId { get; set; }
    public Guid UserId { get; set; }
    public string State { get; set; } = "";
    public bool HasState { get; set; }
    public string RedirectUri { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
}

internal sealed class AccessToken
{
    public string Token { get; set; } = "";
    public Guid UserId { get; set; }
    public Guid? AppId { get; set; }
    public Guid? AuthorizationId { get; set; }
    public int SecretGeneration { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public string Scope { get; set; } = "";
    /// <summary>True for tokens from the Azure DevOps OAuth flow (subject to the third-party OAuth policy).</summary>
    public bool IsOAuth { get; set; }
}

internal sealed class RefreshToken
{
    public string Token { get; set; } = "";
    public Guid UserId { get; set; }
    public Guid AppId { get; set; }
    public Guid AuthorizationId { get; set; }
    public int SecretGeneration { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public bool Used { get; set; }
}

internal sealed class Org
{
    public string Name { get; set; } = "";
    public Guid InstanceId { get; set; }
    public Guid TenantId { get; set; }
    public bool SshKeysDisabled { get; set; }
    public bool ThirdPartyOAuthDisabled { get; set; }
    /// <summary>Users who belong to the organization (the Accounts API); empty means every user.</summary>
    public HashSet<Guid> Members { get; } = new();
    public Dictionary<string, Project> Projects { get; } = new(StringComparer.OrdinalIgnoreCase);
}

internal sealed class Project
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public Dictionary<string, Repo> Repos { get; } = new(StringComparer.OrdinalIgnoreCase);
}

internal sealed class Repo
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string Path { get; set; } = "";
    public string DefaultBranch { get; set; } = "refs/heads/main";
}

internal sealed class SshKey
{
    public Guid AuthorizationId { get; set; }
    public Guid AccessId { get; set; }
    public Guid UserId { get; set; }
    public string Org { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string PublicData { get; set; } = "";
    public string KeyType { get; set; } = "";
    public string KeyBlob { get; set; } = "";
    public DateTimeOffset ValidFrom { get; set; }
    public DateTimeOffset ValidTo { get; set; }
    public string Scope { get; set; } = "app_token";
    public List<string> TargetAccounts { get; } = new();
    public bool Deleted { get; set; }
}

internal sealed class FaultRule
{
    public string PathPrefix { get; set; } = "/";
    public string? Method { get; set; }
    public int? Status { get; set; }
    /// <summary>How many more requests this rule hits; -1 means unlimited.</summary>
    public int Count { get; set; } = 1;
    public int? RetryAfterSeconds { get; set; }
    public int DelayMs { get; set; }
    public bool Drop { get; set; }
    /// <summary>Answer with this raw body (status defaults to 200): wrong JSON types, HTML, anything.</summary>
    public string? Body { get; set; }
    /// <summary>The Content-Type of <see cref="Body"/> or of a generated body (default application/json).</summary>
    public string? ContentType { get; set; }
    /// <summary>Answer with a generated JSON body of this many bytes (a huge answer), streamed.</summary>
    public long? BodyBytes { get; set; }
    /// <summary>What the generated body starts and ends with (default {"value":" and "}), e.g. a token answer around a huge token.</summary>
    public string? BodyPrefix { get; set; }
    public string? BodySuffix { get; set; }
    /// <summary>Never answer: hold the request open until the client gives up.</summary>
    public bool Hang { get; set; }
    public int Hits { get; set; }
}

internal sealed class SshSettings
{
    public int? Port { get; set; }
    public string Host { get; set; } = "127.0.0.1";
    public string User { get; set; } = "git";
    public string? ForcedCommand { get; set; }
    /// <summary>How long a newly added key stays refused over SSH (the real service may need a moment); 0: at once.</summary>
    public int NewKeyDelaySeconds { get; set; }
}

/// <summary>All emulator state, in memory, guarded by one lock (<see cref="Gate"/>).</summary>
internal sealed class Store
{
    public object Gate { get; } = new();
    public Dictionary<Guid, User> Users { get; } = new();
    public Guid SignedInUserId { get; set; }
    public Dictionary<Guid, App> Apps { get; } = new();
    public Dictionary<Guid, Authorization> Authorizations { get; } = new();
    public Dictionary<string, AuthCode> Codes { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, PendingConsent> Consents { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, AccessToken> AccessTokens { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, RefreshToken> RefreshTokens { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Org> Orgs { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<Guid, SshKey> SshKeys { get; } = new();
    public List<FaultRule> Faults { get; } = new();
    public SshSettings Ssh { get; } = new();
    public Dictionary<string, int> Counters { get; } = new(StringComparer.Ordinal);

    public int CodeLifetimeSeconds { get; set; } = 900;
    public int AccessTokenLifetimeSeconds { get; set; } = 3599;
    public int RefreshTokenLifetimeSeconds { get; set; } = 365 * 24 * 3600;

    public Store()
    {
        var seeded = new User
        {
            Id = Guid.NewGuid(),
            DisplayName = "Test User",
            EmailAddress = "test.user@example.com",
        };
        seeded.PublicAlias = seeded.Id.ToString();
        Users[seeded.Id] = seeded;
        SignedInUserId = seeded.Id;
    }

    public void Count(string name)
    {
        Counters.TryGetValue(name, out var n);
        Counters[name] = n + 1;
    }

    public static string RandomUrlSafe(int bytes) => Base64Url(RandomNumberGenerator.GetBytes(bytes));

    public static string Base64Url(byte[] data) =>
        Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A JWT-looking opaque string: the emulator never parses it, it looks it up.</summary>
    public static string JwtLooking(object payload)
    {
        var header = new Dictionary<string, string> { ["typ"] = "JWT", ["alg"] = "RS256", ["x5t"] = RandomUrlSafe(20) };
        return Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." +
               Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload)) + "." +
               RandomUrlSafe(256);
    }

    public static string RandomHex(int bytes)
    {
        var sb = new StringBuilder(bytes * 2);
        foreach (var b in RandomNumberGenerator.GetBytes(bytes))
        {
            sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Looks up a bearer token. Must be called under <see cref="Gate"/>.</summary>
    public AccessToken? FindAccessToken(string token, out Guid? revokedUser)
    {
        revokedUser = null;
        if (!AccessTokens.TryGetValue(token, out var t))
        {
            return null;
        }
        if (t.ExpiresAt <= DateTimeOffset.UtcNow)
        {
            return null;
        }
        if (t.AppId is Guid appId)
        {
            if (!Apps.TryGetValue(appId, out var app) || t.SecretGeneration < app.MinValidGeneration)
            {
                return null;
            }
        }
        if (t.AuthorizationId is Guid authId && Authorizations.TryGetValue(authId, out var auth) && auth.Revoked)
        {
            revokedUser = t.UserId;
            return null;
        }
        return t;
    }

    /// <summary>Mints an access token (and for OAuth a refresh token). Must be called under <see cref="Gate"/>.</summary>
    public (AccessToken Access, RefreshToken? Refresh) Mint(Guid userId, App? app, Guid? authorizationId, string scope, int? lifetimeSeconds = null)
    {
        var now = DateTimeOffset.UtcNow;
        var lifetime = lifetimeSeconds ?? AccessTokenLifetimeSeconds;
        var access = new AccessToken
        {
            UserId = userId,
            AppId = app?.Id,
            AuthorizationId = authorizationId,
            SecretGeneration = app?.Current.Generation ?? 0,
            ExpiresAt = now.AddSeconds(lifetime),
            Scope = scope,
            IsOAuth = app != null,
        };
        access.Token = JwtLooking(new Dictionary<string, object?>
        {
            ["nameid"] = userId.ToString(),
            ["scp"] = scope,
            ["aui"] = authorizationId?.ToString(),
            ["appid"] = app?.Id.ToString(),
            ["iss"] = "app.vstoken.visualstudio.com",
            ["aud"] = "app.vstoken.visualstudio.com|vso:emulator",
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = access.ExpiresAt.ToUnixTimeSeconds(),
            ["jti"] = RandomUrlSafe(12),
        });
        AccessTokens[access.Token] = access;
        RefreshToken? refresh = null;
        if (app != null && authorizationId is Guid authId)
        {
            refresh = new RefreshToken
            {
                UserId = userId,
                AppId = app.Id,
                AuthorizationId = authId,
                SecretGeneration = app.Current.Generation,
                ExpiresAt = now.AddSeconds(RefreshTokenLifetimeSeconds),
            };
            refresh.Token = JwtLooking(new Dictionary<string, object?>
            {
                ["nameid"] = userId.ToString(),
                ["ac"] = authId.ToString(),
                ["iss"] = "app.vstoken.visualstudio.com",
                ["nbf"] = now.ToUnixTimeSeconds(),
                ["exp"] = refresh.ExpiresAt.ToUnixTimeSeconds(),
                ["jti"] = RandomUrlSafe(12),
            });
            RefreshTokens[refresh.Token] = refresh;
        }
        return (access, refresh);
    }
}
