using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace AzureDevOpsEmulator;

/// <summary>The authorization server (real: https://app.vssps.visualstudio.com), mounted at the root.</summary>
internal static class OAuthEndpoints
{
    public const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    public const string ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private static readonly Dictionary<string, string> ScopeWords = new(StringComparer.Ordinal)
    {
        ["vso.code"] = "Code (read): read source code and metadata about commits, branches and other version control artifacts.",
        ["vso.code_write"] = "Code (read and write): read, create and update source code, branches and pull requests.",
        ["vso.code_manage"] = "Code (read, write and manage): also create and manage repositories.",
        ["vso.code_full"] = "Code (full): full access to source code and version control metadata.",
        ["vso.profile"] = "User profile (read): read your profile, accounts, collections, projects, teams.",
        ["vso.tokens"] = "Delegated authorization tokens: issue and manage tokens, including SSH keys.",
        ["vso.tokenadministration"] = "Token administration: manage the tokens of other users.",
    };

    public static void Map(WebApplication app, Store store, EmulatorOptions options)
    {
        app.MapGet("/oauth2/authorize", (HttpContext ctx) => Authorize(ctx, store, options));
        app.MapPost("/oauth2/authorize", (Delegate)((HttpContext ctx) => ConsentAsync(ctx, store)));
        app.MapPost("/oauth2/token", (Delegate)((HttpContext ctx) => TokenAsync(ctx, store)));
    }

    private static IResult ErrorPage(string message) =>
        Wire.Html(400, "Azure DevOps Services | Error",
            "<h1>400 - Bad Request</h1>\n<p id=\"error\">" + WebUtility.HtmlEncode(message) + "</p>");

    private static HashSet<string> ScopeSet(string? scopes) =>
        new((scopes ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    private static IResult Authorize(HttpContext ctx, Store store, EmulatorOptions options)
    {
        var q = ctx.Request.Query;
        var clientId = q["client_id"].ToString();
        var responseType = q["response_type"].ToString();
        var scope = q["scope"].ToString();
        var redirectUri = q["redirect_uri"].ToString();
        var hasState = q.ContainsKey("state");
        var state = q["state"].ToString();

        App? registered;
        User? user;
        lock (store.Gate)
        {
            registered = Guid.TryParse(clientId, out var id) && store.Apps.TryGetValue(id, out var a) ? a : null;
            store.Users.TryGetValue(store.SignedInUserId, out user);
        }
        if (registered == null)
        {
            return ErrorPage("The client_id is missing or does not identify a registered application.");
        }
        if (!string.Equals(responseType, "Assertion", StringComparison.Ordinal))
        {
            return ErrorPage("The response_type must be 'Assertion'.");
        }
        if (!ScopeSet(scope).SetEquals(ScopeSet(registered.Scopes)) || string.IsNullOrWhiteSpace(scope))
        {
            return ErrorPage("The requested scope does not match the scopes registered for this application.");
        }
        if (!string.Equals(redirectUri, registered.CallbackUrl, StringComparison.Ordinal))
        {
            return ErrorPage("The redirect_uri does not match the callback URL registered for this application.");
        }
        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var callback) ||
            !(callback.Scheme == Uri.UriSchemeHttps || (options.AllowHttpCallbacks && callback.Scheme == Uri.UriSchemeHttp)))
        {
            return ErrorPage("The callback URL must use HTTPS.");
        }
        if (user == null)
        {
            return ErrorPage("No user is signed in.");
        }

        var consent = new PendingConsent
        {
            Id = Store.RandomUrlSafe(24),
            AppId = registered.Id,
            UserId = user.Id,
            State = state,
            HasState = hasState,
            RedirectUri = redirectUri,
            ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(30),
        };
        lock (store.Gate)
        {
            store.Consents[consent.Id] = consent;
        }

        var e = new Func<string, string>(WebUtility.HtmlEncode);
        var sb = new StringBuilder();
        sb.Append("<h1>Authorize application</h1>\n");
        sb.Append("<p><span id=\"app-name\">").Append(e(registered.Name)).Append("</span> would like permission to access your Azure DevOps resources.</p>\n");
        sb.Append("<p>Signed in as <span id=\"user-name\">").Append(e(user.DisplayName)).Append("</span> (")
          .Append(e(user.EmailAddress)).Append(")</p>\n<ul id=\"scopes\">\n");
        foreach (var s in ScopeSet(registered.Scopes))
        {
            sb.Append("<li data-scope=\"").Append(e(s)).Append("\">")
              .Append(e(ScopeWords.TryGetValue(s, out var words) ? words : s)).Append("</li>\n");
        }
        sb.Append("</ul>\n<form id=\"consent\" method=\"post\" action=\"/oauth2/authorize\">\n");
        sb.Append("<input type=\"hidden\" name=\"consentId\" value=\"").Append(e(consent.Id)).Append("\">\n");
        sb.Append("<button id=\"accept\" type=\"submit\" name=\"decision\" value=\"accept\">Accept</button>\n");
        sb.Append("<button id=\"deny\" type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n</form>");
        return Wire.Html(200, "Azure DevOps Services | Authorize application", sb.ToString());
    }

    private static string AppendQuery(string url, IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var sb = new StringBuilder(url);
        var sep = url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        foreach (var (k, v) in pairs)
        {
            sb.Append(sep).Append(Uri.EscapeDataString(k)).Append('=').Append(Uri.EscapeDataString(v));
            sep = '&';
        }
        return sb.ToString();
    }

    private static async Task<IResult> ConsentAsync(HttpContext ctx, Store store)
    {
        if (!ctx.Request.HasFormContentType)
        {
            return ErrorPage("Expected a form post.");
        }
        var form = await ctx.Request.ReadFormAsync();
        var consentId = form["consentId"].ToString();
        var decision = form["decision"].ToString();
        PendingConsent? consent;
        App? registered = null;
        string? code = null;
        lock (store.Gate)
        {
            if (store.Consents.Remove(consentId, out consent) && consent.ExpiresAt > DateTimeOffset.UtcNow)
            {
                store.Apps.TryGetValue(consent.AppId, out registered);
            }
            if (registered != null && consent != null && decision == "accept")
            {
                var auth = store.Authorizations.Values.FirstOrDefault(x => x.UserId == consent.UserId && x.AppId == consent.AppId && !x.Revoked);
                if (auth == null)
                {
                    auth = new Authorization { Id = Guid.NewGuid(), UserId = consent.UserId, AppId = consent.AppId };
                    store.Authorizations[auth.Id] = auth;
                }
                var c = new AuthCode
                {
                    Code = Store.JwtLooking(new Dictionary<string, object?> { ["aui"] = auth.Id.ToString(), ["nameid"] = consent.UserId.ToString(), ["jti"] = Store.RandomUrlSafe(12) }),
                    AppId = consent.AppId,
                    UserId = consent.UserId,
                    AuthorizationId = auth.Id,
                    RedirectUri = consent.RedirectUri,
                    ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(store.CodeLifetimeSeconds),
                };
                store.Codes[c.Code] = c;
                code = c.Code;
            }
        }
        if (registered == null || consent == null)
        {
            return ErrorPage("This authorization request is unknown or has expired. Start again.");
        }
        var pairs = new List<KeyValuePair<string, string>>();
        if (decision == "accept")
        {
            pairs.Add(new("code", code!));
        }
        else
        {
            // The real service's parameters on Deny are not documented (see README.md).
            pairs.Add(new("error", "access_denied"));
        }
        if (consent.HasState)
        {
            pairs.Add(new("state", consent.State));
        }
        return Results.Redirect(AppendQuery(consent.RedirectUri, pairs));
    }

    private static async Task<IResult> TokenAsync(HttpContext ctx, Store store)
    {
        if (!MediaTypeHeaderValue.TryParse(ctx.Request.ContentType, out var mediaType) ||
            !string.Equals(mediaType.MediaType.Value, "application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            lock (store.Gate)
            {
                store.Count("token.total");
                store.Count("token.badContentType");
                store.Count("token.failed");
            }
            return Wire.TokenError("invalid_request", "The request Content-Type must be application/x-www-form-urlencoded.");
        }
        var form = await ctx.Request.ReadFormAsync();
        var grantType = form["grant_type"].ToString();
        var result = Token(store, grantType, form["client_assertion_type"].ToString(), form["client_assertion"].ToString(),
            form["assertion"].ToString(), form["redirect_uri"].ToString());
        lock (store.Gate)
        {
            store.Count("token.total");
            store.Count(grantType switch
            {
                JwtBearerGrant => "token.jwtBearer",
                "refresh_token" => "token.refreshToken",
                _ => "token.otherGrant",
            });
            store.Count(result.Ok ? "token.succeeded" : "token.failed");
        }
        return result.Result;
    }

    private static (bool Ok, IResult Result) Token(Store store, string grantType, string assertionType, string clientAssertion, string assertion, string redirectUri)
    {
        static (bool, IResult) Fail(string e, string d) => (false, Wire.TokenError(e, d));
        if (grantType != JwtBearerGrant && grantType != "refresh_token")
        {
            return Fail("invalid_request", "The grant_type is not supported.");
        }
        if (assertionType != ClientAssertionType)
        {
            return Fail("invalid_request", "The client_assertion_type is not valid.");
        }
        lock (store.Gate)
        {
            var now = DateTimeOffset.UtcNow;
            App? app = null;
            ClientSecret? secret = null;
            foreach (var a in store.Apps.Values)
            {
                secret = a.Secrets.FirstOrDefault(s => s.Value == clientAssertion);
                if (secret != null)
                {
                    app = a;
                    break;
                }
            }
            if (app == null || secret == null)
            {
                return Fail("invalid_client", "Failed to deserialize the JsonWebToken object.");
            }
            if (!secret.Active)
            {
                return Fail("unauthorized_client", "The client secret is not valid.");
            }
            if (secret.ExpiresOn <= now)
            {
                return Fail("invalid_request", "The client secret has expired.");
            }
            if (!string.Equals(redirectUri, app.CallbackUrl, StringComparison.Ordinal))
            {
                return Fail("invalid_request", "The redirect URI is not valid.");
            }

            Guid userId, authorizationId;
            if (grantType == JwtBearerGrant)
            {
                if (!store.Codes.TryGetValue(assertion, out var code) || code.AppId != app.Id)
                {
                    return Fail("invalid_grant", "The grant was not found or failed verification.");
                }
                if (code.Used)
                {
                    return Fail("invalid_grant", "The grant has already been used.");
                }
                if (code.ExpiresAt <= now)
                {
                    return Fail("invalid_request", "The grant has expired.");
                }
                if (!store.Authorizations.TryGetValue(code.AuthorizationId, out var auth) || auth.Revoked)
                {
                    return Fail("invalid_request", "The authorization has been revoked.");
                }
                code.Used = true;
                userId = code.UserId;
                authorizationId = code.AuthorizationId;
            }
            else
            {
                if (!store.RefreshTokens.TryGetValue(assertion, out var refresh) || refresh.AppId != app.Id ||
                    refresh.SecretGeneration < app.MinValidGeneration)
                {
                    return Fail("invalid_request", "The refresh token is not valid.");
                }
                if (refresh.Used)
                {
                    return Fail("invalid_request", "The access token has already been refreshed.");
                }
                if (refresh.ExpiresAt <= now)
                {
                    return Fail("invalid_request", "The refresh token has expired.");
                }
                if (!store.Authorizations.TryGetValue(refresh.AuthorizationId, out var auth) || auth.Revoked)
                {
                    return Fail("invalid_request", "The authorization has been revoked.");
                }
                refresh.Used = true;
                userId = refresh.UserId;
                authorizationId = refresh.AuthorizationId;
            }

            var (access, newRefresh) = store.Mint(userId, app, authorizationId, app.Scopes);
            var body = new Dictionary<string, string>
            {
                ["access_token"] = access.Token,
                ["token_type"] = "jwt-bearer",
                ["expires_in"] = Math.Max(0, (int)Math.Round((access.ExpiresAt - now).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["refresh_token"] = newRefresh!.Token,
                ["scope"] = app.Scopes,
            };
            return (true, Results.Json(body));
        }
    }
}
