using System;
using System.Net;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Rules
{
    /// <summary>
    /// The one rule for every URL the module is given, stores or calls: absolute, https (or http to a literal loopback
    /// address such as 127.0.0.1 or [::1] only: a host name is never trusted to be local), and no user name or password.
    /// A URL is never echoed with its user info; <see cref="Redact"/> gives the form that may be shown.
    /// </summary>
    public static class UrlRules
    {
        /// <summary>The error id of a URL that breaks the rule while a request is about to be sent (stored or derived URLs).</summary>

        /// <summary>Why <paramref name="url"/> breaks the rule, in a sentence that names the URL without user info; null when it is acceptable.</summary>
        public static string? Problem(Uri? url, string what)
        {
            if (url is null || !url.IsAbsoluteUri)
            {
                return $"The {what} must be an absolute URL such as https://dev.azure.com/contoso.";
            }

            if (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
            {
                return $"The {what} '{Redact(url)}' must be an https URL (its scheme is '{url.Scheme}').";
            }
            if (!string.IsNullOrEmpty(url.UserInfo))
            {
                return $"The {what} '{Redact(url)}' contains a user name or password, which would be stored and sent in plain text. Give the URL without them (credentials go in -ClientSecret, -PersonalAccessToken or the sign-in).";
            }

            if (url.Scheme == Uri.UriSchemeHttps)
            {
                return null;
            }

            if (url.Scheme == Uri.UriSchemeHttp && IsLiteralLoopback(url))
            {
                return null;
            }

            return $"The {what} '{Redact(url)}' must use https: tokens and secrets are never sent over plain http, except to a literal loopback address such as http://127.0.0.1:8080 (a host name, even 'localhost', is not trusted to stay on this machine).";
        }

        /// <summary>Throws <paramref name="errorId"/> (InvalidArgument) when <paramref name="url"/> breaks the rule.</summary>
        public static Uri Require(Uri? url, string what, string errorId)
        {
            string? problem = Problem(url, what);
            if (problem != null)
            {
                throw new PfaException(errorId, PfaErrorKind.InvalidArgument, problem, url is null ? null : Redact(url));
            }

            return url!;
        }

        /// <summary>Parses and checks stored text; throws <see cref="FormatException"/> (the store's "corrupt document") when it breaks the rule.</summary>
        public static Uri RequireStored(string? text, string what)
        {
            if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text, UriKind.Absolute, out Uri? url))
            {
                throw new FormatException($"its {what} is missing or not an absolute URL");
            }

            string? problem = Problem(url, what);
            if (problem != null)
            {
                throw new FormatException($"its {what} is not allowed ({problem.TrimEnd('.')})");
            }

            return url;
        }

        /// <summary>
        /// The last check before a request leaves: the transport rule for any URL, whatever its origin
        /// (a parameter, a stored document, a server's answer).
        /// </summary>
        public static void RequireForRequest(Uri? url, string what)
        {
            string? problem = Problem(url, what);
            if (problem != null)
            {
                throw new PfaException(ErrorIds.InsecureUrl, PfaErrorKind.SecurityError, problem + " Nothing was sent.", url is null ? null : Redact(url));
            }
        }

        /// <summary>True only for an IP literal of the loopback range (127.0.0.0/8, ::1); never for a name.</summary>
        public static bool IsLiteralLoopback(Uri url)
        {
            if (url.HostNameType != UriHostNameType.IPv4 && url.HostNameType != UriHostNameType.IPv6)
            {
                return false;
            }

            return IPAddress.TryParse(url.Host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address);
        }

        /// <summary>The URL as it may be shown: scheme, host, port and path; never user info, query or fragment.</summary>
        public static string Redact(Uri url)
        {
            if (!url.IsAbsoluteUri)
            {
                return "(a relative URL)";
            }

            try
            {
                var builder = new UriBuilder(url) { UserName = string.Empty, Password = string.Empty, Query = string.Empty, Fragment = string.Empty };
                string text = builder.Uri.GetLeftPart(UriPartial.Path);
                return text.Length > 200 ? text.Substring(0, 200) + "..." : text;
            }
            catch (Exception ex) when (ex is UriFormatException || ex is InvalidOperationException || ex is ArgumentException)
            {
                return url.Scheme + "://" + url.Host;
            }
        }
    }
}
