using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AzureDevOpsEmulator;

/// <summary>An Entra ID tenant (directory). Users are the emulator's users; an empty member list means every user.</summary>
internal sealed class EntraTenant
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string Domain { get; set; } = "";
    public HashSet<Guid> Members { get; } = new();

    public bool HasMember(Guid userId) => Members.Count == 0 || Members.Contains(userId);
}

/// <summary>An Entra ID app registration (with its service principal in the home tenant).</summary>
internal sealed class EntraApp
{
    public Guid ClientId { get; set; }
    public Guid TenantId { get; set; }
    public string Name { get; set; } = "";
    public bool IsPublic { get; set; }
    public string? Secret { get; set; }
    public List<string> RedirectUris { get; } = new();
    public List<X509Certificate2> Certificates { get; } = new();
    /// <summary>The service principal's object ID (the oid of client-credential tokens; an emulator user).</summary>
    public Guid ServicePrincipalId { get; set; }
    /// <summary>When true, only tenant-local sign-in is allowed (single-tenant app).</summary>
    public bool SingleTenant { get; set; } = true;
}

internal sealed class EntraManagedIdentity
{
    public Guid ClientId { get; set; }
    public Guid ObjectId { get; set; }
    public Guid TenantId { get; set; }
    public string Name { get; set; } = "";
    public string Header { get; set; } = "";
    public bool UserAssigned { get; set; }
}

internal sealed class EntraCode
{
    public string Code { get; set; } = "";
    public Guid ClientId { get; set; }
    public Guid TenantId { get; set; }
    public Guid UserId { get; set; }
    public string RedirectUri { get; set; } = "";
    public string Scope { get; set; } = "";
    public string? CodeChallenge { get; set; }
    public string? CodeChallengeMethod { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public bool Used { get; set; }
}

internal sealed class EntraDeviceCode
{
    public string DeviceCode { get; set; } = "";
    public string UserCode { get; set; } = "";
    public Guid ClientId { get; set; }
    public Guid TenantId { get; set; }
    public string Scope { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
    /// <summary>pending, approved, denied, redeemed.</summary>
    public string Status { get; set; } = "pending";
    public Guid? UserId { get; set; }
    public int Polls { get; set; }
}

internal sealed class EntraRefreshToken
{
    public string Token { get; set; } = "";
    public Guid ClientId { get; set; }
    public Guid TenantId { get; set; }
    public Guid UserId { get; set; }
    public string Scope { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
    public bool Used { get; set; }
    public DateTimeOffset UsedAt { get; set; }
    public bool Revoked { get; set; }
}

/// <summary>An injected error: matches token/authorize/devicecode requests by tenant, client and grant.</summary>
internal sealed class EntraErrorRule
{
    public Guid? TenantId { get; set; }
    public Guid? ClientId { get; set; }
    /// <summary>token (default), authorize, devicecode, or any.</summary>
    public string Endpoint { get; set; } = "token";
    /// <summary>A grant_type to match (authorization_code, refresh_token, device_code, client_credentials); null = any.</summary>
    public string? Grant { get; set; }
    public int? Code { get; set; }
    public string Error { get; set; } = "invalid_grant";
    public string Description { get; set; } = "";
    public string? Suberror { get; set; }
    public string? Claims { get; set; }
    public int Status { get; set; } = 400;
    public int Count { get; set; } = 1;
    public int Hits { get; set; }
}

/// <summary>All Entra state; guarded by the emulator's single lock (<see cref="Store.Gate"/>).</summary>
internal sealed class EntraState
{
    public RSA Key { get; } = RSA.Create(2048);
    public string KeyId { get; } = Store.RandomUrlSafe(16);
    public Dictionary<Guid, EntraTenant> Tenants { get; } = new();
    public Dictionary<Guid, EntraApp> Apps { get; } = new();
    public Dictionary<string, EntraManagedIdentity> ManagedIdentities { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, EntraCode> Codes { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, EntraDeviceCode> DeviceCodes { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, EntraRefreshToken> RefreshTokens { get; } = new(StringComparer.Ordinal);
    public List<EntraErrorRule> Errors { get; } = new();
    public List<Dictionary<string, object?>> AuthorizeLog { get; } = new();
    public Dictionary<string, int> Counters { get; } = new(StringComparer.Ordinal);

    public int AccessTokenLifetimeSeconds { get; set; } = 3599;
    public int RefreshTokenLifetimeSeconds { get; set; } = 90 * 24 * 3600;
    public int CodeLifetimeSeconds { get; set; } = 600;
    public int DeviceCodeLifetimeSeconds { get; set; } = 900;
    public int DeviceCodeIntervalSeconds { get; set; } = 1;
    /// <summary>How long a used refresh token still works (0: strict rotation; the real service is lenient).</summary>
    public int RefreshTokenReuseSeconds { get; set; }

    public void Count(string name)
    {
        Counters.TryGetValue(name, out var n);
        Counters[name] = n + 1;
    }
}
