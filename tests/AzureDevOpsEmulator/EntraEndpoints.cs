using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AzureDevOpsEmulator;

/// <summary>
/// The Microsoft Entra ID side (real: https://login.microsoftonline.com), mounted at the root of the HTTPS origin:
/// v2.0 authorize/token/devicecode, OpenID configuration, keys, instance discovery, App Service style managed
/// identity, signed JWT access tokens for the Azure DevOps resource, and the /_test/entra control API. See README.md.
/// </summary>
internal static class EntraEndpoints
{
    public const string AzureDevOpsResource = "499b84ac-1321-427f-aa17-267ca6975798";
    private static readonly string[] OidcScopes = { "openid", "profile", "offline_access", "email" };

    /// <summary>The one Entra state of this process (the REST auth check reads it); a new one at each /_test/reset.</summary>
    public static EntraState State { get; private set; } = new();

    /// <summary>A fresh Entra state (new signing key: tokens signed before no longer verify). Called under the store's lock.</summary>
    public static void ResetState() => State = new EntraState();

    public static void Map(WebApplication app, Store store)
    {
        var s = State;
        app.MapGet("/common/discovery/instance", (HttpContext ctx) => InstanceDiscovery(ctx));
        app.MapGet("/{tenant}/discovery/instance", (HttpContext ctx) => InstanceDiscovery(ctx));
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (HttpContext ctx, string tenant) => OpenIdConfiguration(ctx, store, tenant));
        app.MapGet("/{tenant}/discovery/v2.0/keys", () => Keys());
        app.MapGet("/{tenant}/discovery/keys", () => Keys());
        app.MapGet("/{tenant}/oauth2/v2.0/authorize", (HttpContext ctx, string tenant) => Authorize(ctx, store, tenant));
        app.MapPost("/{tenant}/oauth2/v2.0/token", (HttpContext ctx, string tenant) => TokenAsync(ctx, store, tenant));
        app.MapPost("/{tenant}/oauth2/v2.0/devicecode", (HttpContext ctx, string tenant) => DeviceCodeAsync(ctx, store, tenant));
        app.MapGet("/devicelogin", () => Wire.Html(200, "Enter code",
            "<h1>Enter code</h1>\n<p>The emulator approves device codes through <code>POST /_test/entra/devicecode/approve</code>.</p>"));
        app.MapGet("/_entra/msi/token", (HttpContext ctx) => ManagedIdentityToken(ctx, store));
        // The organization URL itself (GCM's tenant discovery sends an unauthenticated request there).
        app.MapMethods("/{org}", new[] { "GET", "HEAD" }, (HttpContext ctx, string org) => OrganizationRoot(ctx, store, org));
        MapControl(app, store);
        _ = s;
    }

    // ------------------------------------------------------------------ REST hook

    /// <summary>
    /// Accepts a signed Entra access token for the Azure DevOps resource: checks signature, audience, expiry and, for an
    /// organization backed by a tenant, that the token's tenant is that one. Maps oid to an emulator user.
    /// </summary>
    public static AccessToken? Authenticate(Store store, string token, Org? org)
    {
        var payload = VerifyJwt(token);
        if (payload == null)
        {
            return null;
        }
        var p = payload.Value;
        var aud = p.TryGetProperty("aud", out var a) ? a.GetString() : null;
        if (aud != AzureDevOpsResource && aud != "https://app.vssps.visualstudio.com")
        {
            return null;
        }
        var exp = p.TryGetProperty("exp", out var e) && NumericDate(e) is var x && x > 0 ? DateTimeOffset.FromUnixTimeSeconds(x) : DateTimeOffset.MinValue;
        if (exp <= DateTimeOffset.UtcNow)
        {
            return null;
        }
        if (!Guid.TryParse(p.TryGetProperty("oid", out var o) ? o.GetString() : null, out var oid) ||
            !Guid.TryParse(p.TryGetProperty("tid", out var t) ? t.GetString() : null, out var tid))
        {
            return null;
        }
        if (org != null && org.TenantId != Guid.Empty && org.TenantId != tid)
        {
            return null;
        }
        lock (store.Gate)
        {
            if (!store.Users.ContainsKey(oid))
            {
                return null;
            }
        }
        return new AccessToken
        {
            Token = token,
            UserId = oid,
            ExpiresAt = exp,
            Scope = p.TryGetProperty("scp", out var scp) ? scp.GetString() ?? "" : "",
            IsOAuth = false,
        };
    }

    // ------------------------------------------------------------------ discovery

    private static IResult InstanceDiscovery(HttpContext ctx)
    {
        var host = ctx.Request.Host.Value ?? "127.0.0.1";
        var authEndpoint = ctx.Request.Query["authorization_endpoint"].ToString();
        var tenant = "common";
        if (Uri.TryCreate(authEndpoint, UriKind.Absolute, out var ae) && ae.Segments.Length > 1)
        {
            tenant = ae.Segments[1].TrimEnd('/');
        }
        return Results.Json(new Dictionary<string, object?>
        {
            ["tenant_discovery_endpoint"] = Wire.BaseUrl(ctx.Request) + "/" + tenant + "/v2.0/.well-known/openid-configuration",
            ["api-version"] = "1.1",
            ["metadata"] = new[]
            {
                new Dictionary<string, object?>
                {
                    ["preferred_network"] = host,
                    ["preferred_cache"] = host,
                    ["aliases"] = new[] { host },
                },
            },
        });
    }

    private static IResult OpenIdConfiguration(HttpContext ctx, Store store, string tenant)
    {
        var b = Wire.BaseUrl(ctx.Request);
        string tid;
        lock (store.Gate)
        {
            var t = ResolveTenant(tenant, out var special);
            if (t == null && !special)
            {
                return TenantNotFound(tenant);
            }
            tid = t?.Id.ToString() ?? "{tenantid}";
        }
        return Results.Json(new Dictionary<string, object?>
        {
            ["token_endpoint"] = $"{b}/{tenant}/oauth2/v2.0/token",
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "private_key_jwt", "client_secret_basic" },
            ["jwks_uri"] = $"{b}/{tenant}/discovery/v2.0/keys",
            ["response_modes_supported"] = new[] { "query", "fragment", "form_post" },
            ["subject_types_supported"] = new[] { "pairwise" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["response_types_supported"] = new[] { "code", "id_token", "code id_token", "id_token token" },
            ["scopes_supported"] = new[] { "openid", "profile", "email", "offline_access" },
            ["issuer"] = $"{b}/{tid}/v2.0",
            ["request_uri_parameter_supported"] = false,
            ["userinfo_endpoint"] = $"{b}/oidc/userinfo",
            ["authorization_endpoint"] = $"{b}/{tenant}/oauth2/v2.0/authorize",
            ["device_authorization_endpoint"] = $"{b}/{tenant}/oauth2/v2.0/devicecode",
            ["http_logout_supported"] = true,
            ["frontchannel_logout_supported"] = true,
            ["end_session_endpoint"] = $"{b}/{tenant}/oauth2/v2.0/logout",
            ["claims_supported"] = new[] { "sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email" },
            ["kerberos_endpoint"] = $"{b}/{tenant}/kerberos",
            ["tenant_region_scope"] = "EU",
            ["cloud_instance_name"] = "microsoftonline.com",
            ["cloud_graph_host_name"] = "graph.windows.net",
            ["msgraph_host"] = "graph.microsoft.com",
            ["rbac_url"] = "https://pas.windows.net",
        });
    }

    private static IResult Keys()
    {
        var p = State.Key.ExportParameters(false);
        return Results.Json(new Dictionary<string, object?>
        {
            ["keys"] = new[]
            {
                new Dictionary<string, object?>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = "RS256",
                    ["kid"] = State.KeyId,
                    ["n"] = Store.Base64Url(p.Modulus!),
                    ["e"] = Store.Base64Url(p.Exponent!),
                },
            },
        });
    }

    private static IResult OrganizationRoot(HttpContext ctx, Store store, string orgName)
    {
        Org? org;
        lock (store.Gate)
        {
            store.Orgs.TryGetValue(orgName, out org);
        }
        if (org == null)
        {
            return Results.NotFound();
        }
        var (_, fail) = RestEndpoints.Authenticate(ctx, store, org);
        if (fail != null)
        {
            // A HEAD answer carries the status and headers only.
            return HttpMethods.IsHead(ctx.Request.Method) ? Results.StatusCode(SuppressStatus(ctx)) : fail;
        }
        return Wire.Html(200, org.Name + " - Azure DevOps", "<h1 id=\"org\">" + WebUtility.HtmlEncode(org.Name) + "</h1>");
    }

    private static int SuppressStatus(HttpContext ctx) =>
        string.Equals(ctx.Request.Headers["X-TFS-FedAuthRedirect"].ToString(), "Suppress", StringComparison.OrdinalIgnoreCase) ? 401 : 203;

    // ------------------------------------------------------------------ authorize

    private static IResult Authorize(HttpContext ctx, Store store, string tenantSegment)
    {
        var q = ctx.Request.Query;
        var clientIdText = q["client_id"].ToString();
        var redirectUri = q["redirect_uri"].ToString();
        var state = q["state"].ToString();
        var scope = q["scope"].ToString();
        var responseMode = q["response_mode"].ToString();
        var loginHint = q["login_hint"].ToString();
        var challenge = q["code_challenge"].ToString();
        var challengeMethod = q["code_challenge_method"].ToString();
        var claims = q["claims"].ToString();

        EntraApp? app;
        EntraTenant? tenant;
        User? user;
        EntraErrorRule? injected;
        string? refusal = null;
        lock (store.Gate)
        {
            State.Count("authorize");
            State.AuthorizeLog.Add(q.ToDictionary(kv => kv.Key, kv => (object?)kv.Value.ToString(), StringComparer.Ordinal));
            if (State.AuthorizeLog.Count > 100)
            {
                State.AuthorizeLog.RemoveAt(0);
            }
            tenant = ResolveTenant(tenantSegment, out var special);
            if (tenant == null && !special)
            {
                return ErrorPage(90002, $"Tenant '{tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
            }
            app = FindApp(clientIdText, tenant);
            if (app == null)
            {
                return ErrorPage(700016, AppNotFoundText(clientIdText, tenant?.Id.ToString() ?? tenantSegment));
            }
            if (!RedirectAllowed(app, redirectUri))
            {
                return ErrorPage(50011, $"The redirect URI '{redirectUri}' specified in the request does not match the redirect URIs configured for the application '{app.ClientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.");
            }
            tenant ??= State.Tenants[app.TenantId];
            user = null;
            if (!string.IsNullOrEmpty(loginHint))
            {
                user = store.Users.Values.FirstOrDefault(u => string.Equals(u.EmailAddress, loginHint, StringComparison.OrdinalIgnoreCase));
            }
            user ??= store.Users.TryGetValue(store.SignedInUserId, out var su) ? su : null;
            injected = TakeRule("authorize", tenant.Id, app.ClientId, null);
            if (injected == null && (user == null || !tenant.HasMember(user.Id)))
            {
                refusal = $"AADSTS50020: User account '{user?.EmailAddress}' from identity provider 'live.com' does not exist in tenant '{tenant.Name}' and cannot access the application '{app.ClientId}'({app.Name}) in that tenant.";
            }
        }

        var fields = new List<KeyValuePair<string, string>>();
        if (injected != null || refusal != null)
        {
            fields.Add(new("error", injected?.Error ?? "access_denied"));
            fields.Add(new("error_description", injected != null ? Describe(injected) : refusal!));
            if (injected?.Suberror != null)
            {
                fields.Add(new("error_subcode", injected.Suberror));
            }
        }
        else
        {
            var scopeErr = CheckScopes(scope, requireDefault: false);
            if (scopeErr != null)
            {
                fields.Add(new("error", "invalid_scope"));
                fields.Add(new("error_description", scopeErr));
            }
            else
            {
                var code = new EntraCode
                {
                    Code = "1.A" + Store.RandomUrlSafe(48),
                    ClientId = app.ClientId,
                    TenantId = tenant.Id,
                    UserId = user!.Id,
                    RedirectUri = redirectUri,
                    Scope = scope,
                    CodeChallenge = string.IsNullOrEmpty(challenge) ? null : challenge,
                    CodeChallengeMethod = string.IsNullOrEmpty(challengeMethod) ? "plain" : challengeMethod,
                };
                lock (store.Gate)
                {
                    code.ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(State.CodeLifetimeSeconds);
                    State.Codes[code.Code] = code;
                }
                fields.Add(new("code", code.Code));
                fields.Add(new("client_info", ClientInfo(user.Id, tenant.Id)));
                if (!string.IsNullOrEmpty(claims))
                {
                    fields.Add(new("claims_satisfied", "true"));
                }
            }
        }
        if (q.ContainsKey("state"))
        {
            fields.Add(new("state", state));
        }
        fields.Add(new("session_state", Guid.NewGuid().ToString()));

        if (string.Equals(responseMode, "form_post", StringComparison.Ordinal))
        {
            var sb = new StringBuilder();
            sb.Append("<form method=\"POST\" name=\"hiddenform\" id=\"hiddenform\" action=\"").Append(WebUtility.HtmlEncode(redirectUri)).Append("\">\n");
            foreach (var f in fields)
            {
                sb.Append("<input type=\"hidden\" name=\"").Append(WebUtility.HtmlEncode(f.Key)).Append("\" value=\"").Append(WebUtility.HtmlEncode(f.Value)).Append("\" />\n");
            }
            sb.Append("<noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\" /></noscript>\n</form>\n");
            sb.Append("<script language=\"javascript\">document.forms[0].submit();</script>");
            return Wire.Html(200, "Working...", sb.ToString());
        }
        var target = redirectUri + (redirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?") +
            string.Join("&", fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)));
        return Results.Redirect(target);
    }

    private static bool RedirectAllowed(EntraApp app, string redirectUri)
    {
        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var requested))
        {
            return false;
        }
        foreach (var registered in app.RedirectUris)
        {
            if (string.Equals(registered, redirectUri, StringComparison.Ordinal))
            {
                return true;
            }
            // Entra ignores the port of http loopback redirect URIs (native apps pick a free port).
            if (requested.Scheme == Uri.UriSchemeHttp && requested.IsLoopback &&
                Uri.TryCreate(registered, UriKind.Absolute, out var r) && r.Scheme == Uri.UriSchemeHttp && r.IsLoopback &&
                string.Equals(r.Host, requested.Host, StringComparison.OrdinalIgnoreCase) &&
                string.Equals(r.AbsolutePath.TrimEnd('/'), requested.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static IResult ErrorPage(int code, string text) =>
        Wire.Html(400, "Sign in to your account",
            "<h1>Sign in</h1>\n<p>Sorry, but we're having trouble signing you in.</p>\n<p id=\"error\">AADSTS" + code.ToString(CultureInfo.InvariantCulture) +
            ": " + WebUtility.HtmlEncode(text) + "</p>");

    // ------------------------------------------------------------------ device code

    private static async Task<IResult> DeviceCodeAsync(HttpContext ctx, Store store, string tenantSegment)
    {
        var form = await ReadFormAsync(ctx);
        if (form == null)
        {
            return OAuthError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
        }
        var clientIdText = Get(form, "client_id");
        var scope = Get(form, "scope") ?? "";
        lock (store.Gate)
        {
            State.Count("devicecode");
            var tenant = ResolveTenant(tenantSegment, out var special);
            if (tenant == null && !special)
            {
                return OAuthError(400, "invalid_request", 90002, $"Tenant '{tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
            }
            var app = FindApp(clientIdText, tenant);
            if (app == null)
            {
                return OAuthError(400, "unauthorized_client", 700016, AppNotFoundText(clientIdText ?? "", tenant?.Id.ToString() ?? tenantSegment));
            }
            tenant ??= State.Tenants[app.TenantId];
            var rule = TakeRule("devicecode", tenant.Id, app.ClientId, null);
            if (rule != null)
            {
                return RuleError(rule);
            }
            var scopeErr = CheckScopes(scope, requireDefault: false);
            if (scopeErr != null)
            {
                return OAuthError(400, "invalid_scope", 70011, scopeErr);
            }
            var dc = new EntraDeviceCode
            {
                DeviceCode = "DAQABAAEAAA" + Store.RandomUrlSafe(48),
                UserCode = NewUserCode(),
                ClientId = app.ClientId,
                TenantId = tenant.Id,
                Scope = scope,
                ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(State.DeviceCodeLifetimeSeconds),
            };
            State.DeviceCodes[dc.DeviceCode] = dc;
            var verification = Wire.BaseUrl(ctx.Request) + "/devicelogin";
            return Results.Json(new Dictionary<string, object?>
            {
                ["user_code"] = dc.UserCode,
                ["device_code"] = dc.DeviceCode,
                ["verification_uri"] = verification,
                ["expires_in"] = State.DeviceCodeLifetimeSeconds,
                ["interval"] = State.DeviceCodeIntervalSeconds,
                ["message"] = $"To sign in, use a web browser to open the page {verification} and enter the code {dc.UserCode} to authenticate.",
            });
        }
    }

    private static string NewUserCode()
    {
        const string Alphabet = "BCDFGHJKLMNPQRSTVWXZ23456789";
        var bytes = RandomNumberGenerator.GetBytes(9);
        return new string(bytes.Select(b => Alphabet[b % Alphabet.Length]).ToArray());
    }

    // ------------------------------------------------------------------ token

    private static async Task<IResult> TokenAsync(HttpContext ctx, Store store, string tenantSegment)
    {
        var form = await ReadFormAsync(ctx);
        if (form == null)
        {
            return OAuthError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
        }
        var grant = Get(form, "grant_type") ?? "";
        if (grant == "urn:ietf:params:oauth:grant-type:device_code")
        {
            grant = "device_code";
        }
        var clientIdText = Get(form, "client_id");
        var baseUrl = Wire.BaseUrl(ctx.Request);
        lock (store.Gate)
        {
            State.Count("token");
            State.Count("token:" + grant);
            var tenant = ResolveTenant(tenantSegment, out var special);
            if (tenant == null && !special)
            {
                return OAuthError(400, "invalid_request", 90002, $"Tenant '{tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
            }
            if (string.IsNullOrEmpty(clientIdText))
            {
                return OAuthError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
            }
            var app = FindApp(clientIdText, tenant);
            var rule = TakeRule("token", tenant?.Id ?? app?.TenantId, Guid.TryParse(clientIdText, out var cid) ? cid : null, grant);
            if (rule != null)
            {
                return RuleError(rule);
            }
            if (app == null)
            {
                return OAuthError(400, "unauthorized_client", 700016, AppNotFoundText(clientIdText, tenant?.Id.ToString() ?? tenantSegment));
            }
            var clientFail = AuthenticateClient(app, form, baseUrl, tenantSegment);
            if (clientFail != null)
            {
                return clientFail;
            }
            return grant switch
            {
                "authorization_code" => RedeemCode(store, app, form, baseUrl),
                "refresh_token" => Refresh(store, app, form, baseUrl),
                "device_code" => PollDeviceCode(store, app, form, baseUrl),
                "client_credentials" => ClientCredentials(store, app, tenant ?? State.Tenants[app.TenantId], form, baseUrl),
                _ => OAuthError(400, "unsupported_grant_type", 70003, $"The app requested an unsupported grant type '{grant}'."),
            };
        }
    }

    private static IResult? AuthenticateClient(EntraApp app, Dictionary<string, string> form, string baseUrl, string tenantSegment)
    {
        var secret = Get(form, "client_secret");
        var assertion = Get(form, "client_assertion");
        if (app.IsPublic)
        {
            if (secret != null || assertion != null)
            {
                return OAuthError(401, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
            }
            return null;
        }
        if (secret != null)
        {
            if (app.Secret == null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(app.Secret)))
            {
                return OAuthError(401, "invalid_client", 7000215, $"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{app.ClientId}'.");
            }
            return null;
        }
        if (assertion != null)
        {
            return CheckClientAssertion(app, assertion);
        }
        return OAuthError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }

    private static IResult? CheckClientAssertion(EntraApp app, string assertion)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            return OAuthError(401, "invalid_client", 50027, "JWT token is invalid or malformed.");
        }
        JsonElement header, payload;
        try
        {
            header = JsonDocument.Parse(FromBase64Url(parts[0])).RootElement.Clone();
            payload = JsonDocument.Parse(FromBase64Url(parts[1])).RootElement.Clone();
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return OAuthError(401, "invalid_client", 50027, "JWT token is invalid or malformed.");
        }
        var alg = header.TryGetProperty("alg", out var a) ? a.GetString() : null;
        var data = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        byte[] signature;
        try
        {
            signature = FromBase64Url(parts[2]);
        }
        catch (FormatException)
        {
            return OAuthError(401, "invalid_client", 50027, "JWT token is invalid or malformed.");
        }
        var padding = alg == "PS256" ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
        var valid = app.Certificates.Any(c =>
        {
            using var rsa = c.GetRSAPublicKey();
            return rsa != null && rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, padding);
        });
        if (!valid)
        {
            return OAuthError(401, "invalid_client", 700027, "Client assertion failed signature validation.");
        }
        var sub = payload.TryGetProperty("sub", out var s) ? s.GetString() : null;
        var exp = payload.TryGetProperty("exp", out var e) ? NumericDate(e) : 0;
        if (!string.Equals(sub, app.ClientId.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            return OAuthError(401, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
        }
        if (DateTimeOffset.FromUnixTimeSeconds(exp) < DateTimeOffset.UtcNow)
        {
            return OAuthError(401, "invalid_client", 700024, "Client assertion is not within its valid time range.");
        }
        return null;
    }

    private static IResult RedeemCode(Store store, EntraApp app, Dictionary<string, string> form, string baseUrl)
    {
        var codeText = Get(form, "code") ?? "";
        if (!State.Codes.TryGetValue(codeText, out var code) || code.ClientId != app.ClientId)
        {
            return OAuthError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
        }
        if (code.Used)
        {
            return OAuthError(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
        }
        code.Used = true;
        if (code.ExpiresAt <= DateTimeOffset.UtcNow)
        {
            return OAuthError(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
        }
        if (!string.Equals(Get(form, "redirect_uri"), code.RedirectUri, StringComparison.Ordinal))
        {
            return OAuthError(400, "invalid_grant", 500112, "The reply address does not match the reply address provided when requesting Authorization code.");
        }
        if (code.CodeChallenge != null)
        {
            var verifier = Get(form, "code_verifier");
            if (string.IsNullOrEmpty(verifier))
            {
                return OAuthError(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
            }
            var computed = code.CodeChallengeMethod == "S256" ? Store.Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) : verifier;
            if (!string.Equals(computed, code.CodeChallenge, StringComparison.Ordinal))
            {
                return OAuthError(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
            }
        }
        var scope = MergeScopes(code.Scope, Get(form, "scope"));
        return UserTokens(store, app, code.TenantId, code.UserId, scope, baseUrl);
    }

    private static IResult Refresh(Store store, EntraApp app, Dictionary<string, string> form, string baseUrl)
    {
        var text = Get(form, "refresh_token") ?? "";
        if (!State.RefreshTokens.TryGetValue(text, out var rt) || rt.ClientId != app.ClientId)
        {
            return OAuthError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
        }
        if (rt.Revoked)
        {
            return OAuthError(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.");
        }
        if (rt.Used && rt.UsedAt.AddSeconds(State.RefreshTokenReuseSeconds) <= DateTimeOffset.UtcNow)
        {
            return OAuthError(400, "invalid_grant", 70000, "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid. The refresh token has already been used.");
        }
        if (rt.ExpiresAt <= DateTimeOffset.UtcNow)
        {
            return OAuthError(400, "invalid_grant", 700082, "The refresh token has expired due to inactivity.");
        }
        if (!rt.Used)
        {
            rt.Used = true;
            rt.UsedAt = DateTimeOffset.UtcNow;
        }
        var scope = Get(form, "scope") ?? rt.Scope;
        var scopeErr = CheckScopes(scope, requireDefault: false);
        if (scopeErr != null)
        {
            return OAuthError(400, "invalid_scope", 70011, scopeErr);
        }
        return UserTokens(store, app, rt.TenantId, rt.UserId, scope, baseUrl);
    }

    private static IResult PollDeviceCode(Store store, EntraApp app, Dictionary<string, string> form, string baseUrl)
    {
        var text = Get(form, "device_code") ?? "";
        if (!State.DeviceCodes.TryGetValue(text, out var dc) || dc.ClientId != app.ClientId)
        {
            return OAuthError(400, "bad_verification_code", 70000, "The provided value for the input parameter 'device_code' is not valid.");
        }
        dc.Polls++;
        if (dc.Status == "redeemed")
        {
            return OAuthError(400, "invalid_grant", 54005, "The device code was already redeemed.");
        }
        if (dc.ExpiresAt <= DateTimeOffset.UtcNow || dc.Status == "expired")
        {
            return OAuthError(400, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.");
        }
        if (dc.Status == "denied")
        {
            return OAuthError(400, "authorization_declined", 70019, "The user has declined the authorization request on the device login page.");
        }
        if (dc.Status != "approved")
        {
            return OAuthError(400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.");
        }
        dc.Status = "redeemed";
        return UserTokens(store, app, dc.TenantId, dc.UserId!.Value, dc.Scope, baseUrl);
    }

    private static IResult ClientCredentials(Store store, EntraApp app, EntraTenant tenant, Dictionary<string, string> form, string baseUrl)
    {
        var scope = Get(form, "scope") ?? "";
        var resources = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (resources.Length != 1 || !resources[0].EndsWith("/.default", StringComparison.Ordinal))
        {
            return OAuthError(400, "invalid_scope", 1002012, $"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");
        }
        var resource = ResourceOf(resources[0]);
        var now = DateTimeOffset.UtcNow;
        var lifetime = State.AccessTokenLifetimeSeconds;
        var at = SignJwt(new Dictionary<string, object?>
        {
            ["aud"] = resource,
            ["iss"] = $"https://sts.windows.net/{tenant.Id}/",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddSeconds(lifetime).ToUnixTimeSeconds(),
            ["appid"] = app.ClientId.ToString(),
            ["appidacr"] = "1",
            ["idtyp"] = "app",
            ["oid"] = app.ServicePrincipalId.ToString(),
            ["sub"] = app.ServicePrincipalId.ToString(),
            ["tid"] = tenant.Id.ToString(),
            ["ver"] = "1.0",
            ["uti"] = Store.RandomUrlSafe(16),
        });
        State.Count("issued:client_credentials");
        return Results.Json(new Dictionary<string, object?>
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = lifetime,
            ["ext_expires_in"] = lifetime,
            ["access_token"] = at,
        });
    }

    private static IResult UserTokens(Store store, EntraApp app, Guid tenantId, Guid userId, string scope, string baseUrl)
    {
        var user = store.Users[userId];
        var now = DateTimeOffset.UtcNow;
        var lifetime = State.AccessTokenLifetimeSeconds;
        var requested = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var resourceScopes = requested.Where(s => !OidcScopes.Contains(s, StringComparer.OrdinalIgnoreCase)).ToList();
        var resource = resourceScopes.Count > 0 ? ResourceOf(resourceScopes[0]) : "00000003-0000-0000-c000-000000000000";
        var scp = string.Join(" ", resourceScopes.Select(s => s.Substring(s.LastIndexOf('/') + 1)).Select(s => s == ".default" ? "user_impersonation" : s));
        var at = SignJwt(new Dictionary<string, object?>
        {
            ["aud"] = resource,
            ["iss"] = $"https://sts.windows.net/{tenantId}/",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddSeconds(lifetime).ToUnixTimeSeconds(),
            ["acr"] = "1",
            ["amr"] = new[] { "pwd" },
            ["appid"] = app.ClientId.ToString(),
            ["appidacr"] = app.IsPublic ? "0" : "1",
            ["name"] = user.DisplayName,
            ["oid"] = user.Id.ToString(),
            ["puid"] = "10032000" + Store.RandomHex(4).ToUpperInvariant(),
            ["scp"] = scp,
            ["sub"] = Store.RandomUrlSafe(32),
            ["tid"] = tenantId.ToString(),
            ["unique_name"] = user.EmailAddress,
            ["upn"] = user.EmailAddress,
            ["ver"] = "1.0",
            ["uti"] = Store.RandomUrlSafe(16),
        });
        var body = new Dictionary<string, object?>
        {
            ["token_type"] = "Bearer",
            ["scope"] = string.Join(" ", resourceScopes),
            ["expires_in"] = lifetime,
            ["ext_expires_in"] = lifetime,
            ["access_token"] = at,
        };
        if (requested.Contains("offline_access", StringComparer.OrdinalIgnoreCase))
        {
            var rt = new EntraRefreshToken
            {
                Token = "1.AR" + Store.RandomUrlSafe(96),
                ClientId = app.ClientId,
                TenantId = tenantId,
                UserId = userId,
                Scope = scope,
                ExpiresAt = now.AddSeconds(State.RefreshTokenLifetimeSeconds),
            };
            State.RefreshTokens[rt.Token] = rt;
            body["refresh_token"] = rt.Token;
        }
        if (requested.Contains("openid", StringComparer.OrdinalIgnoreCase))
        {
            body["id_token"] = SignJwt(new Dictionary<string, object?>
            {
                ["aud"] = app.ClientId.ToString(),
                ["iss"] = $"{baseUrl}/{tenantId}/v2.0",
                ["iat"] = now.ToUnixTimeSeconds(),
                ["nbf"] = now.ToUnixTimeSeconds(),
                ["exp"] = now.AddSeconds(3600).ToUnixTimeSeconds(),
                ["name"] = user.DisplayName,
                ["oid"] = user.Id.ToString(),
                ["preferred_username"] = user.EmailAddress,
                ["sub"] = Store.RandomUrlSafe(32),
                ["tid"] = tenantId.ToString(),
                ["ver"] = "2.0",
            });
        }
        body["client_info"] = ClientInfo(userId, tenantId);
        State.Count("issued:user");
        return Results.Json(body);
    }

    // ------------------------------------------------------------------ managed identity (App Service style)

    private static IResult ManagedIdentityToken(HttpContext ctx, Store store)
    {
        var header = ctx.Request.Headers["X-IDENTITY-HEADER"].ToString();
        var resource = ctx.Request.Query["resource"].ToString();
        var apiVersion = ctx.Request.Query["api-version"].ToString();
        var clientId = ctx.Request.Query["client_id"].ToString();
        lock (store.Gate)
        {
            State.Count("msi");
            if (string.IsNullOrEmpty(header) || !State.ManagedIdentities.TryGetValue(header, out var mi))
            {
                return Results.Json(new { statusCode = 401, message = "Unauthorized: the X-IDENTITY-HEADER is missing or wrong.", correlationId = Guid.NewGuid() }, statusCode: 401);
            }
            if (apiVersion != "2019-08-01")
            {
                return Results.Json(new { statusCode = 400, message = "The api-version must be 2019-08-01.", correlationId = Guid.NewGuid() }, statusCode: 400);
            }
            if (string.IsNullOrEmpty(resource))
            {
                return Results.Json(new { statusCode = 400, message = "The resource parameter is required.", correlationId = Guid.NewGuid() }, statusCode: 400);
            }
            if (!string.IsNullOrEmpty(clientId) && !string.Equals(clientId, mi.ClientId.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                return Results.Json(new { statusCode = 400, message = $"No managed identity with client ID '{clientId}' is assigned to this resource.", correlationId = Guid.NewGuid() }, statusCode: 400);
            }
            var rule = TakeRule("msi", mi.TenantId, mi.ClientId, null);
            if (rule != null)
            {
                return Results.Json(new { statusCode = rule.Status, message = Describe(rule), correlationId = Guid.NewGuid() }, statusCode: rule.Status);
            }
            var now = DateTimeOffset.UtcNow;
            var expires = now.AddSeconds(State.AccessTokenLifetimeSeconds);
            var aud = resource.EndsWith("/.default", StringComparison.Ordinal) ? ResourceOf(resource) : resource.TrimEnd('/');
            var at = SignJwt(new Dictionary<string, object?>
            {
                ["aud"] = aud,
                ["iss"] = $"https://sts.windows.net/{mi.TenantId}/",
                ["iat"] = now.ToUnixTimeSeconds(),
                ["nbf"] = now.ToUnixTimeSeconds(),
                ["exp"] = expires.ToUnixTimeSeconds(),
                ["appid"] = mi.ClientId.ToString(),
                ["idtyp"] = "app",
                ["oid"] = mi.ObjectId.ToString(),
                ["sub"] = mi.ObjectId.ToString(),
                ["tid"] = mi.TenantId.ToString(),
                ["xms_mirid"] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/emulator/providers/Microsoft.Web/sites/" + mi.Name,
                ["ver"] = "1.0",
            });
            return Results.Json(new Dictionary<string, object?>
            {
                ["access_token"] = at,
                ["expires_on"] = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                ["resource"] = resource,
                ["token_type"] = "Bearer",
                ["client_id"] = mi.ClientId.ToString(),
            });
        }
    }

    // ------------------------------------------------------------------ control API

    private static void MapControl(WebApplication app, Store store)
    {
        app.MapRead(store, "/_test/entra/tenants", () => State.Tenants.Values.Select(DescribeTenant).ToList());
        app.MapPost("/_test/entra/tenants", async (HttpContext ctx) =>
        {
            var b = await Json.BodyAsync(ctx);
            var id = Guid.TryParse(Json.Str(b, "id"), out var g) ? g : Guid.NewGuid();
            var name = Json.Str(b, "name") ?? "Tenant " + id.ToString("N")[..6];
            var domain = (Json.Str(b, "domain") ?? "t" + id.ToString("N")[..8] + ".onmicrosoft.com").ToLowerInvariant();
            lock (store.Gate)
            {
                if (State.Tenants.ContainsKey(id) || State.Tenants.Values.Any(t => t.Domain == domain))
                {
                    return Json.Bad("The tenant already exists.", 409);
                }
                var t = new EntraTenant { Id = id, Name = name, Domain = domain };
                foreach (var u in Json.Strs(b, "users"))
                {
                    if (!Guid.TryParse(u, out var uid) || !store.Users.ContainsKey(uid))
                    {
                        return Json.Bad($"Unknown user '{u}'.", 404);
                    }
                    t.Members.Add(uid);
                }
                State.Tenants[id] = t;
                return Results.Json(DescribeTenant(t));
            }
        });
        app.MapPost("/_test/entra/tenants/{id:guid}/users", async (HttpContext ctx, Guid id) =>
        {
            var b = await Json.BodyAsync(ctx);
            lock (store.Gate)
            {
                if (!State.Tenants.TryGetValue(id, out var t))
                {
                    return Json.Bad("Unknown tenant.", 404);
                }
                if (!Guid.TryParse(Json.Str(b, "id"), out var uid) || !store.Users.ContainsKey(uid))
                {
                    return Json.Bad("Unknown user.", 404);
                }
                t.Members.Add(uid);
                return Results.Json(DescribeTenant(t));
            }
        });

        app.MapRead(store, "/_test/entra/apps", () => State.Apps.Values.Select(DescribeApp).ToList());
        app.MapPost("/_test/entra/apps", async (HttpContext ctx) =>
        {
            var b = await Json.BodyAsync(ctx);
            lock (store.Gate)
            {
                var tenant = ResolveTenant(Json.Str(b, "tenant") ?? "", out _);
                if (tenant == null)
                {
                    return Json.Bad("tenant (the ID or domain of a tenant created with POST /_test/entra/tenants) is required.", 404);
                }
                var clientId = Guid.TryParse(Json.Str(b, "clientId"), out var c) ? c : Guid.NewGuid();
                if (State.Apps.ContainsKey(clientId))
                {
                    return Json.Bad("An app with this clientId exists.", 409);
                }
                var certs = new List<X509Certificate2>();
                foreach (var pem in Json.Strs(b, "certificates"))
                {
                    try
                    {
                        certs.Add(pem.Contains("-----BEGIN", StringComparison.Ordinal)
                            ? X509Certificate2.CreateFromPem(pem)
                            : X509CertificateLoader.LoadCertificate(Convert.FromBase64String(pem)));
                    }
                    catch (Exception ex) when (ex is CryptographicException or FormatException)
                    {
                        return Json.Bad("certificates: each must be a PEM or base64 DER certificate.");
                    }
                }
                var confidential = Json.Bool(b, "confidential") ?? (Json.Bool(b, "public") is bool p ? !p : (Json.Str(b, "secret") != null || certs.Count > 0));
                var a = new EntraApp
                {
                    ClientId = clientId,
                    TenantId = tenant.Id,
                    Name = Json.Str(b, "name") ?? "App " + clientId.ToString("N")[..6],
                    IsPublic = !confidential,
                    SingleTenant = !(Json.Bool(b, "multiTenant") ?? false),
                    ServicePrincipalId = Guid.NewGuid(),
                };
                if (confidential)
                {
                    a.Secret = Json.Str(b, "secret") ?? (certs.Count == 0 ? "Emu8Q~" + Store.RandomUrlSafe(30) : null);
                }
                a.Certificates.AddRange(certs);
                a.RedirectUris.AddRange(Json.Strs(b, "redirectUris"));
                if (a.RedirectUris.Count == 0 && a.IsPublic)
                {
                    a.RedirectUris.Add("http://localhost");
                }
                State.Apps[a.ClientId] = a;
                store.Users[a.ServicePrincipalId] = new User
                {
                    Id = a.ServicePrincipalId,
                    DisplayName = a.Name,
                    PublicAlias = a.ServicePrincipalId.ToString(),
                    EmailAddress = a.ClientId + "@serviceprincipal.emulator",
                };
                return Results.Json(DescribeApp(a));
            }
        });
        app.MapPost("/_test/entra/apps/{id:guid}/secret", async (HttpContext ctx, Guid id) =>
        {
            var b = await Json.BodyAsync(ctx);
            lock (store.Gate)
            {
                if (!State.Apps.TryGetValue(id, out var a) || a.IsPublic)
                {
                    return Json.Bad("Unknown confidential app.", 404);
                }
                a.Secret = Json.Str(b, "secret") ?? "Emu8Q~" + Store.RandomUrlSafe(30);
                return Results.Json(DescribeApp(a));
            }
        });
        app.MapDelete("/_test/entra/apps/{id:guid}", (Guid id) =>
        {
            lock (store.Gate)
            {
                return State.Apps.Remove(id) ? Results.NoContent() : Json.Bad("Unknown app.", 404);
            }
        });

        app.MapPost("/_test/entra/managed-identities", async (HttpContext ctx) =>
        {
            var b = await Json.BodyAsync(ctx);
            lock (store.Gate)
            {
                var tenant = ResolveTenant(Json.Str(b, "tenant") ?? "", out _);
                if (tenant == null)
                {
                    return Json.Bad("tenant is required.", 404);
                }
                var mi = new EntraManagedIdentity
                {
                    ClientId = Guid.TryParse(Json.Str(b, "clientId"), out var c) ? c : Guid.NewGuid(),
                    ObjectId = Guid.NewGuid(),
                    TenantId = tenant.Id,
                    Name = Json.Str(b, "name") ?? "agent-" + Store.RandomHex(3),
                    Header = Store.RandomHex(16),
                    UserAssigned = Json.Bool(b, "userAssigned") ?? false,
                };
                State.ManagedIdentities[mi.Header] = mi;
                store.Users[mi.ObjectId] = new User
                {
                    Id = mi.ObjectId,
                    DisplayName = mi.Name,
                    PublicAlias = mi.ObjectId.ToString(),
                    EmailAddress = mi.ClientId + "@managedidentity.emulator",
                };
                var http = ctx.Request.IsHttps ? null : Wire.BaseUrl(ctx.Request);
                return Results.Json(new Dictionary<string, object?>
                {
                    ["clientId"] = mi.ClientId,
                    ["objectId"] = mi.ObjectId,
                    ["tenant"] = mi.TenantId,
                    ["name"] = mi.Name,
                    ["userAssigned"] = mi.UserAssigned,
                    ["identityEndpoint"] = (http ?? Wire.BaseUrl(ctx.Request)) + "/_entra/msi/token",
                    ["identityHeader"] = mi.Header,
                });
            }
        });

        app.MapRead(store, "/_test/entra/devicecode", () => State.DeviceCodes.Values.Select(d => new Dictionary<string, object?>
        {
            ["userCode"] = d.UserCode,
            ["clientId"] = d.ClientId,
            ["tenant"] = d.TenantId,
            ["scope"] = d.Scope,
            ["status"] = d.ExpiresAt <= DateTimeOffset.UtcNow && d.Status == "pending" ? "expired" : d.Status,
            ["polls"] = d.Polls,
            ["expiresOn"] = d.ExpiresAt,
        }).ToList());
        foreach (var action in new[] { "approve", "deny", "expire" })
        {
            app.MapPost("/_test/entra/devicecode/" + action, async (HttpContext ctx) =>
            {
                var b = await Json.BodyAsync(ctx);
                var userCode = Json.Str(b, "userCode") ?? "";
                lock (store.Gate)
                {
                    var dc = State.DeviceCodes.Values.FirstOrDefault(d => string.Equals(d.UserCode, userCode, StringComparison.OrdinalIgnoreCase));
                    if (dc == null || dc.Status != "pending")
                    {
                        return Json.Bad("No pending device code with this userCode.", 404);
                    }
                    if (action == "approve")
                    {
                        var uid = Guid.TryParse(Json.Str(b, "userId"), out var u) ? u : store.SignedInUserId;
                        if (!store.Users.ContainsKey(uid) || !State.Tenants[dc.TenantId].HasMember(uid))
                        {
                            return Json.Bad("The user is unknown or not a member of the tenant.", 404);
                        }
                        dc.UserId = uid;
                        dc.Status = "approved";
                    }
                    else if (action == "deny")
                    {
                        dc.Status = "denied";
                    }
                    else
                    {
                        dc.Status = "expired";
                    }
                    return Results.Json(new { userCode = dc.UserCode, status = dc.Status, userId = dc.UserId });
                }
            });
        }

        app.MapRead(store, "/_test/entra/errors", () => State.Errors.Select(DescribeRule).ToList());
        app.MapPost("/_test/entra/errors", async (HttpContext ctx) =>
        {
            var b = await Json.BodyAsync(ctx);
            var items = b.ValueKind == JsonValueKind.Array ? b.EnumerateArray().ToList() : new List<JsonElement> { b };
            var added = new List<EntraErrorRule>();
            foreach (var e in items)
            {
                var rule = BuildRule(e, out var problem);
                if (rule == null)
                {
                    return Json.Bad(problem!);
                }
                added.Add(rule);
            }
            lock (store.Gate)
            {
                State.Errors.AddRange(added);
                return Results.Json(State.Errors.Select(DescribeRule).ToList());
            }
        });
        app.MapReset(store, "/_test/entra/errors", () => State.Errors.Clear());

        app.MapPost("/_test/entra/revoke", async (HttpContext ctx) =>
        {
            var b = await Json.BodyAsync(ctx);
            lock (store.Gate)
            {
                var uid = Guid.TryParse(Json.Str(b, "userId"), out var u) ? u : (Guid?)null;
                var cid = Guid.TryParse(Json.Str(b, "clientId"), out var c) ? c : (Guid?)null;
                var n = 0;
                foreach (var rt in State.RefreshTokens.Values.Where(r => (uid == null || r.UserId == uid) && (cid == null || r.ClientId == cid) && !r.Revoked))
                {
                    rt.Revoked = true;
                    n++;
                }
                return Results.Json(new { revoked = n });
            }
        });

        app.MapRead(store, "/_test/entra/settings", () => DescribeSettings());
        app.MapPost("/_test/entra/settings", async (HttpContext ctx) =>
        {
            var b = await Json.BodyAsync(ctx);
            lock (store.Gate)
            {
                State.AccessTokenLifetimeSeconds = Json.Int(b, "accessTokenLifetimeSeconds") ?? State.AccessTokenLifetimeSeconds;
                State.RefreshTokenLifetimeSeconds = Json.Int(b, "refreshTokenLifetimeSeconds") ?? State.RefreshTokenLifetimeSeconds;
                State.CodeLifetimeSeconds = Json.Int(b, "codeLifetimeSeconds") ?? State.CodeLifetimeSeconds;
                State.DeviceCodeLifetimeSeconds = Json.Int(b, "deviceCodeLifetimeSeconds") ?? State.DeviceCodeLifetimeSeconds;
                State.DeviceCodeIntervalSeconds = Json.Int(b, "deviceCodeIntervalSeconds") ?? State.DeviceCodeIntervalSeconds;
                State.RefreshTokenReuseSeconds = Json.Int(b, "refreshTokenReuseSeconds") ?? State.RefreshTokenReuseSeconds;
                return Results.Json(DescribeSettings());
            }
        });
        app.MapRead(store, "/_test/entra/counters", () => new Dictionary<string, int>(State.Counters));
        app.MapReset(store, "/_test/entra/counters", () => State.Counters.Clear());
        app.MapRead(store, "/_test/entra/authorize-log", () => State.AuthorizeLog.ToList());
    }

    private static Dictionary<string, object?> DescribeSettings() => new()
    {
        ["accessTokenLifetimeSeconds"] = State.AccessTokenLifetimeSeconds,
        ["refreshTokenLifetimeSeconds"] = State.RefreshTokenLifetimeSeconds,
        ["codeLifetimeSeconds"] = State.CodeLifetimeSeconds,
        ["deviceCodeLifetimeSeconds"] = State.DeviceCodeLifetimeSeconds,
        ["deviceCodeIntervalSeconds"] = State.DeviceCodeIntervalSeconds,
        ["refreshTokenReuseSeconds"] = State.RefreshTokenReuseSeconds,
    };

    private static Dictionary<string, object?> DescribeTenant(EntraTenant t) => new()
    {
        ["id"] = t.Id,
        ["name"] = t.Name,
        ["domain"] = t.Domain,
        ["users"] = t.Members.ToList(),
    };

    private static Dictionary<string, object?> DescribeApp(EntraApp a) => new()
    {
        ["clientId"] = a.ClientId,
        ["tenant"] = a.TenantId,
        ["name"] = a.Name,
        ["public"] = a.IsPublic,
        ["clientSecret"] = a.Secret,
        ["redirectUris"] = a.RedirectUris,
        ["certificateThumbprints"] = a.Certificates.Select(c => c.Thumbprint).ToList(),
        ["servicePrincipalId"] = a.ServicePrincipalId,
        ["multiTenant"] = !a.SingleTenant,
    };

    private static Dictionary<string, object?> DescribeRule(EntraErrorRule r) => new()
    {
        ["tenant"] = r.TenantId,
        ["clientId"] = r.ClientId,
        ["endpoint"] = r.Endpoint,
        ["grant"] = r.Grant,
        ["code"] = r.Code,
        ["error"] = r.Error,
        ["suberror"] = r.Suberror,
        ["claims"] = r.Claims,
        ["status"] = r.Status,
        ["count"] = r.Count,
        ["hits"] = r.Hits,
    };

    // ------------------------------------------------------------------ injected errors

    /// <summary>The canned AADSTS errors (error, status, suberror, description template; {app} {tenant} replaced).</summary>
    private static readonly Dictionary<int, (string Error, int Status, string? Suberror, string Text)> Canned = new()
    {
        [50076] = ("invalid_grant", 400, "basic_action",
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '" + AzureDevOpsResource + "'."),
        [50079] = ("invalid_grant", 400, "basic_action",
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '" + AzureDevOpsResource + "'."),
        [70043] = ("invalid_grant", 400, null,
            "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. The token was issued on {now} and the maximum allowed lifetime for this request is 3600."),
        [65001] = ("invalid_grant", 400, "consent_required",
            "The user or administrator has not consented to use the application with ID '{app}' named '{name}'. Send an interactive authorization request for this user and resource."),
        [700016] = ("unauthorized_client", 400, null,
            "Application with identifier '{app}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
        [7000215] = ("invalid_client", 401, null,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{app}'."),
        [7000222] = ("invalid_client", 401, null,
            "The provided client secret keys for app '{app}' are expired. Visit the Azure portal to create new keys for your app."),
        [53003] = ("access_denied", 400, null,
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."),
        [50173] = ("invalid_grant", 400, null,
            "The provided grant has expired due to it being revoked, a fresh auth token is needed."),
    };

    private static EntraErrorRule? BuildRule(JsonElement e, out string? problem)
    {
        problem = null;
        var rule = new EntraErrorRule
        {
            Endpoint = Json.Str(e, "endpoint") ?? "token",
            Grant = Json.Str(e, "grant"),
            Count = Json.Int(e, "count") ?? 1,
            Code = Json.Int(e, "code"),
            Claims = Json.Str(e, "claims"),
        };
        var tenantText = Json.Str(e, "tenant");
        if (tenantText != null)
        {
            if (!Guid.TryParse(tenantText, out var tid))
            {
                problem = "tenant must be a tenant ID.";
                return null;
            }
            rule.TenantId = tid;
        }
        if (Guid.TryParse(Json.Str(e, "clientId"), out var cid))
        {
            rule.ClientId = cid;
        }
        if (rule.Code is int code)
        {
            if (!Canned.TryGetValue(code, out var c))
            {
                if (Json.Str(e, "error") == null)
                {
                    problem = $"No canned error for AADSTS{code}; give error (and description) too. Canned: {string.Join(", ", Canned.Keys)}.";
                    return null;
                }
                c = (Json.Str(e, "error")!, 400, null, "Injected error.");
            }
            rule.Error = Json.Str(e, "error") ?? c.Error;
            rule.Status = Json.Int(e, "status") ?? c.Status;
            rule.Suberror = Json.Str(e, "suberror") ?? c.Suberror;
            rule.Description = Json.Str(e, "description") ?? c.Text;
            if (code is 50076 or 50079 && rule.Claims == null)
            {
                rule.Claims = "{\"access_token\":{\"capolids\":{\"essential\":true,\"values\":[\"" + Guid.NewGuid() + "\"]}}}";
            }
        }
        else
        {
            var error = Json.Str(e, "error");
            if (error == null)
            {
                problem = "An error rule needs code (an AADSTS number) or error (an OAuth error code such as interaction_required).";
                return null;
            }
            rule.Error = error;
            rule.Status = Json.Int(e, "status") ?? (error == "too_many_requests" ? 429 : error == "temporarily_unavailable" ? 503 : 400);
            rule.Suberror = Json.Str(e, "suberror");
            rule.Description = Json.Str(e, "description") ?? "Injected error '" + error + "'.";
        }
        return rule;
    }

    /// <summary>Takes (and counts down) the first matching rule. Must be called under the store lock.</summary>
    private static EntraErrorRule? TakeRule(string endpoint, Guid? tenantId, Guid? clientId, string? grant)
    {
        foreach (var r in State.Errors)
        {
            if (r.Count == 0 || (r.Endpoint != "any" && !string.Equals(r.Endpoint, endpoint, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }
            if ((r.TenantId != null && r.TenantId != tenantId) || (r.ClientId != null && r.ClientId != clientId) ||
                (r.Grant != null && grant != null && !string.Equals(r.Grant, grant, StringComparison.Ordinal)) ||
                (r.Grant != null && grant == null && endpoint == "token"))
            {
                continue;
            }
            if (r.Count > 0)
            {
                r.Count--;
            }
            r.Hits++;
            var taken = new EntraErrorRule
            {
                TenantId = tenantId, ClientId = clientId, Endpoint = r.Endpoint, Grant = grant, Code = r.Code, Error = r.Error,
                Description = r.Description, Suberror = r.Suberror, Claims = r.Claims, Status = r.Status,
            };
            State.Errors.RemoveAll(x => x.Count == 0);
            return taken;
        }
        return null;
    }

    private static string Describe(EntraErrorRule r)
    {
        var text = r.Description
            .Replace("{app}", r.ClientId?.ToString() ?? "", StringComparison.Ordinal)
            .Replace("{tenant}", r.TenantId?.ToString() ?? "", StringComparison.Ordinal)
            .Replace("{now}", DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture), StringComparison.Ordinal);
        if (r.ClientId is Guid cid && State.Apps.TryGetValue(cid, out var app))
        {
            text = text.Replace("{name}", app.Name, StringComparison.Ordinal);
        }
        return r.Code is int code ? $"AADSTS{code}: {text}" : text;
    }

    private static IResult RuleError(EntraErrorRule rule)
    {
        var description = Describe(rule);
        var body = ErrorBody(rule.Error, rule.Code, description, rule.Suberror, rule.Claims);
        if (rule.Status == 429)
        {
            return new RetryAfterResult(Results.Json(body, statusCode: 429));
        }
        return Results.Json(body, statusCode: rule.Status);
    }

    private sealed class RetryAfterResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers["Retry-After"] = "1";
            return inner.ExecuteAsync(httpContext);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Dictionary<string, object?> ErrorBody(string error, int? code, string description, string? suberror, string? claims)
    {
        var trace = Guid.NewGuid();
        var correlation = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        var body = new Dictionary<string, object?>
        {
            ["error"] = error,
            // CR LF between the lines, as the service sends them.
            ["error_description"] = description + $"\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {now:yyyy-MM-dd HH:mm:ss'Z'}",
            ["error_codes"] = code is int c ? new[] { c } : Array.Empty<int>(),
            ["timestamp"] = now.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["trace_id"] = trace,
            ["correlation_id"] = correlation,
        };
        if (code is int cc)
        {
            body["error_uri"] = "https://login.microsoftonline.com/error?code=" + cc.ToString(CultureInfo.InvariantCulture);
        }
        if (suberror != null)
        {
            body["suberror"] = suberror;
        }
        if (claims != null)
        {
            body["claims"] = claims;
        }
        return body;
    }

    private static IResult OAuthError(int status, string error, int code, string text) =>
        Results.Json(ErrorBody(error, code, $"AADSTS{code}: {text}", null, null), statusCode: status);

    private static IResult TenantNotFound(string tenant) =>
        OAuthError(400, "invalid_request", 90002, $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");

    private static string AppNotFoundText(string clientId, string tenant) =>
        $"Application with identifier '{clientId}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.";

    /// <summary>A tenant by ID or domain; special = common/organizations/consumers. Must be called under the store lock.</summary>
    private static EntraTenant? ResolveTenant(string segment, out bool special)
    {
        special = segment is "common" or "organizations" or "consumers";
        if (Guid.TryParse(segment, out var id))
        {
            return State.Tenants.TryGetValue(id, out var t) ? t : null;
        }
        return State.Tenants.Values.FirstOrDefault(t => string.Equals(t.Domain, segment, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The app, if it exists and may sign in through this tenant (null tenant = common/organizations).</summary>
    private static EntraApp? FindApp(string? clientIdText, EntraTenant? tenant)
    {
        if (!Guid.TryParse(clientIdText, out var id) || !State.Apps.TryGetValue(id, out var app))
        {
            return null;
        }
        if (tenant != null && app.SingleTenant && app.TenantId != tenant.Id)
        {
            return null;
        }
        return app;
    }

    /// <summary>Null when the scopes are acceptable; else the AADSTS70011 text.</summary>
    private static string? CheckScopes(string scope, bool requireDefault)
    {
        var list = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var s in list)
        {
            if (OidcScopes.Contains(s, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }
            var slash = s.LastIndexOf('/');
            if (slash <= 0 || (requireDefault && !s.EndsWith("/.default", StringComparison.Ordinal)))
            {
                return $"AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.";
            }
        }
        return null;
    }

    private static string ResourceOf(string scope)
    {
        var slash = scope.LastIndexOf('/');
        var resource = slash > 0 ? scope.Substring(0, slash) : scope;
        return resource.StartsWith("api://", StringComparison.Ordinal) ? resource : resource.TrimEnd('/');
    }

    private static string MergeScopes(string original, string? requested) =>
        string.IsNullOrWhiteSpace(requested) ? original : requested!;

    private static string ClientInfo(Guid userId, Guid tenantId) =>
        Store.Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["uid"] = userId.ToString(), ["utid"] = tenantId.ToString() }));

    public static string SignJwt(Dictionary<string, object?> payload)
    {
        var header = new Dictionary<string, string> { ["typ"] = "JWT", ["alg"] = "RS256", ["kid"] = State.KeyId, ["x5t"] = State.KeyId };
        var signing = Store.Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Store.Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signature = State.Key.SignData(Encoding.ASCII.GetBytes(signing), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signing + "." + Store.Base64Url(signature);
    }

    private static JsonElement? VerifyJwt(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }
        try
        {
            var header = JsonDocument.Parse(FromBase64Url(parts[0])).RootElement;
            if (!header.TryGetProperty("kid", out var kid) || kid.GetString() != State.KeyId)
            {
                return null;
            }
            var signature = FromBase64Url(parts[2]);
            if (!State.Key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return null;
            }
            return JsonDocument.Parse(FromBase64Url(parts[1])).RootElement.Clone();
        }
        catch (Exception ex) when (ex is FormatException or JsonException or CryptographicException)
        {
            return null;
        }
    }

    /// <summary>A JWT NumericDate, written as a number or (as MSAL's client assertions do) a string; 0 when absent.</summary>
    private static long NumericDate(JsonElement e) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n) ? n
        : e.ValueKind == JsonValueKind.String && long.TryParse(e.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 0;

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        return Convert.FromBase64String(s);
    }

    private static async Task<Dictionary<string, string>?> ReadFormAsync(HttpContext ctx)
    {
        if (!ctx.Request.HasFormContentType)
        {
            return null;
        }
        var form = await ctx.Request.ReadFormAsync();
        return form.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
    }

    private static string? Get(Dictionary<string, string> form, string name) => form.TryGetValue(name, out var v) ? v : null;
}

/// <summary>Small JSON helpers for the Entra control API.</summary>
internal static class Json
{
    public static async Task<JsonElement> BodyAsync(HttpContext ctx)
    {
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

    private static bool TryGet(JsonElement e, string name, out JsonElement value)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = p.Value;
                    return true;
                }
            }
        }
        value = default;
        return false;
    }

    public static string? Str(JsonElement e, string name) =>
        TryGet(e, name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    public static bool? Bool(JsonElement e, string name) =>
        TryGet(e, name, out var v) && (v.ValueKind == JsonValueKind.True || v.ValueKind == JsonValueKind.False) ? v.GetBoolean() : null;

    public static int? Int(JsonElement e, string name) =>
        TryGet(e, name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    public static List<string> Strs(JsonElement e, string name)
    {
        if (!TryGet(e, name, out var v))
        {
            return new List<string>();
        }
        if (v.ValueKind == JsonValueKind.String)
        {
            return new List<string> { v.GetString()! };
        }
        return v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
            : new List<string>();
    }

    public static IResult Bad(string message, int status = 400) =>
        Results.Json(new Dictionary<string, object?> { ["error"] = message }, statusCode: status);
}
