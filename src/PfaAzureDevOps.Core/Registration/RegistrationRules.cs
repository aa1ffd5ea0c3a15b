using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Registration
{
    /// <summary>The rules for what an instance's OAuth application may be registered with.</summary>
    public static class RegistrationRules
    {
        public const string CallbackPath = "oauth2/azureDevOps";
        public const string DefaultAzureDevOpsAuthorizationServer = "https://app.vssps.visualstudio.com";
        public const string DefaultEntraAuthority = "https://login.microsoftonline.com";
        public const string AzureDevOpsResourceId = "499b84ac-1321-427f-aa17-267ca6975798";
        public const string DefaultAzureDevOpsScope = "vso.code_write";
        public const string DefaultEntraScope = AzureDevOpsResourceId + "/vso.code_write";
        public const string AzureDevOpsRegistrationPage = "https://app.vsaex.visualstudio.com/app/register";

        /// <summary>Checks an instance base URL and returns it normalised (no trailing slash, base path kept).</summary>
        public static Uri NormalizeInstanceUrl(Uri? instanceUrl)
        {
            if (instanceUrl is null || !instanceUrl.IsAbsoluteUri)
            {
                throw Invalid(ErrorIds.InvalidInstanceUrl, "The instance URL must be an absolute URL such as https://pipelines.example.com.", null);
            }

            Rules.UrlRules.Require(instanceUrl, "instance URL", ErrorIds.InvalidInstanceUrl);
            if (!string.IsNullOrEmpty(instanceUrl.Query) || !string.IsNullOrEmpty(instanceUrl.Fragment))
            {
                throw Invalid(ErrorIds.InvalidInstanceUrl, $"The instance URL '{Rules.UrlRules.Redact(instanceUrl)}' must not have a query or fragment: give the base URL of the Pipelines for Applications instance, such as https://pipelines.example.com.", Rules.UrlRules.Redact(instanceUrl));
            }

            string text = instanceUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');

            // The callback URL given for the instance URL (it is what the registration page shows): its base is meant.
            string suffix = "/" + CallbackPath;
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && text.Length > suffix.Length)
            {
                text = text.Substring(0, text.Length - suffix.Length).TrimEnd('/');
            }

            return new Uri(text, UriKind.Absolute);
        }

        /// <summary>The callback URL: the instance URL followed by /oauth2/azureDevOps, base path kept, no double slash.</summary>
        public static Uri CallbackFor(Uri instanceUrl) => new Uri(NormalizeInstanceUrl(instanceUrl).AbsoluteUri.TrimEnd('/') + "/" + CallbackPath, UriKind.Absolute);

        public static Uri NormalizeServerUrl(Uri? url, string what)
        {
            if (url is null || !url.IsAbsoluteUri)
            {
                throw Invalid(ErrorIds.InvalidServerUrl, $"The {what} must be an absolute URL.", null);
            }

            Rules.UrlRules.Require(url, what, ErrorIds.InvalidServerUrl);
            if (!string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
            {
                throw Invalid(ErrorIds.InvalidServerUrl, $"The {what} '{Rules.UrlRules.Redact(url)}' must not have a query or fragment.", Rules.UrlRules.Redact(url));
            }

            return new Uri(url.GetLeftPart(UriPartial.Path).TrimEnd('/'), UriKind.Absolute);
        }

        public static bool IsLoopback(Uri url)
        {
            if (string.Equals(url.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            return IPAddress.TryParse(url.Host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address);
        }

        public static List<string> NormalizeScopes(IdentityProvider provider, IEnumerable<string>? scopes)
        {
            var list = (scopes ?? Array.Empty<string>())
                .SelectMany(s => (s ?? string.Empty).Split(new[] { ' ', ',' }, StringSplitOptions.RemoveEmptyEntries))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (list.Count == 0)
            {
                list.Add(provider == IdentityProvider.AzureDevOps ? DefaultAzureDevOpsScope : DefaultEntraScope);
            }

            foreach (string scope in list)
            {
                if (scope.Length > 256 || !IsPlainScope(scope))
                {
                    throw Invalid(ErrorIds.InvalidOAuthScope, $"'{(scope.Length > 60 ? scope.Substring(0, 60) + "..." : scope)}' is not an OAuth scope: a scope is one word of letters, digits and . _ - : / (such as vso.code_write). Separate several with spaces or commas.", scope.Length > 60 ? scope.Substring(0, 60) : scope);
                }

                if (provider == IdentityProvider.AzureDevOps && !scope.StartsWith("vso.", StringComparison.Ordinal))
                {
                    throw Invalid(ErrorIds.InvalidOAuthScope, $"'{scope}' is not an Azure DevOps OAuth scope. Use the scopes the app was registered with, such as vso.code_write (Code, read and write).", scope);
                }

                if (provider == IdentityProvider.EntraId && scope.StartsWith("vso.", StringComparison.Ordinal))
                {
                    throw Invalid(ErrorIds.InvalidOAuthScope, $"Microsoft Entra ID needs the Azure DevOps resource in the scope: write '{AzureDevOpsResourceId}/{scope}' instead of '{scope}' (a bare scope fails with invalid_scope).", scope);
                }
            }

            return list;
        }

        private static bool IsPlainScope(string scope)
        {
            foreach (char c in scope)
            {
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == ':' || c == '/' || c == '~';
                if (!ok)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>A certificate thumbprint: 40 hexadecimal digits (SHA-1), spaces and colons allowed; returned upper-case.</summary>
        public static string NormalizeThumbprint(string thumbprint)
        {
            string value = (thumbprint ?? string.Empty).Replace(" ", string.Empty).Replace(":", string.Empty).ToUpperInvariant();
            bool hex = value.Length == 40;
            foreach (char c in value)
            {
                hex &= (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
            }

            if (!hex)
            {
                throw Invalid(ErrorIds.InvalidCertificateThumbprint, "-CertificateThumbprint must be the certificate's thumbprint: 40 hexadecimal digits (SHA-1), as Get-ChildItem Cert:\\CurrentUser\\My shows it.", value.Length > 40 ? value.Substring(0, 40) : value);
            }

            return value;
        }

        /// <summary>The certificate file of a confidential client: an existing regular file that holds a certificate and its private key.</summary>
        public static void RequireCertificateFile(string fullPath)
        {
            CertificateLoader.RequireFile(fullPath);
            using (System.Security.Cryptography.X509Certificates.X509Certificate2 certificate = CertificateLoader.FromFile(fullPath, null))
            {
                if (!certificate.HasPrivateKey)
                {
                    throw new PfaException(ErrorIds.EntraCertificateUnreadable, PfaErrorKind.InvalidData, $"The certificate file '{fullPath}' holds no private key. Give a .pfx (or a PEM with the certificate and its key) for the application's certificate.", fullPath);
                }
            }
        }

        /// <summary>A tenant: a GUID, a verified domain name, or organizations/common/consumers.</summary>
        public static string? NormalizeTenant(string? tenant)
        {
            if (string.IsNullOrWhiteSpace(tenant))
            {
                return null;
            }

            string value = tenant!.Trim();
            if (Guid.TryParse(value, out Guid id))
            {
                return id.ToString("D");
            }

            if (value is "organizations" or "common" or "consumers")
            {
                return value;
            }

            if (Uri.CheckHostName(value) == UriHostNameType.Dns && value.Contains("."))
            {
                return value.ToLowerInvariant();
            }

            throw Invalid(ErrorIds.InvalidTenantId, $"'{value}' is not a tenant. Give the directory (tenant) ID, a GUID from the app's Overview page, or a verified domain such as contoso.onmicrosoft.com, or 'organizations'.", value);
        }

        private static PfaException Invalid(string id, string message, object? target) =>
            new PfaException(id, PfaErrorKind.InvalidArgument, message, target?.ToString());
    }
}
