using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// Shared plumbing of the argument completers: matching what was typed, quoting, and never failing (a completer that
    /// throws only loses the suggestions). The engine is reached only when a completion runs, never at import.
    /// </summary>
    internal static class Completion
    {
        public static IEnumerable<CompletionResult> Offer(string wordToComplete, IEnumerable<KeyValuePair<string, string>> values)
        {
            string typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var results = new List<CompletionResult>();
            foreach (KeyValuePair<string, string> value in values)
            {
                if (string.IsNullOrEmpty(value.Key) || !seen.Add(value.Key) || !Matches(value.Key, typed))
                {
                    continue;
                }

                string text = value.Key.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', ';', '(', ')', '{', '}', ',', '|', '&', '<', '>' }) >= 0 || value.Key.StartsWith("@", StringComparison.Ordinal) || value.Key.StartsWith("#", StringComparison.Ordinal)
                    ? "'" + value.Key.Replace("'", "''") + "'"
                    : value.Key;
                results.Add(new CompletionResult(text, value.Key, CompletionResultType.ParameterValue, string.IsNullOrEmpty(value.Value) ? value.Key : value.Value));
            }

            return results;
        }

        public static IEnumerable<CompletionResult> Safely(string wordToComplete, Func<IEnumerable<KeyValuePair<string, string>>> values)
        {
            try
            {
                return Offer(wordToComplete, values().ToList());
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                return Array.Empty<CompletionResult>();
            }
        }

        public static KeyValuePair<string, string> Item(string value, string description) => new KeyValuePair<string, string>(value, description);

        private static bool Matches(string value, string typed) =>
            typed.Length == 0 || value.StartsWith(typed, StringComparison.OrdinalIgnoreCase)
            || (typed.IndexOf('*') >= 0 && new WildcardPattern(typed, WildcardOptions.IgnoreCase).IsMatch(value));
    }

    /// <summary>-Organization: the connection's organization first, then the others Azure DevOps listed at sign-in.</summary>
    public sealed class OrganizationCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completion.Safely(wordToComplete, Values);

        private static IEnumerable<KeyValuePair<string, string>> Values()
        {
            Core.Connection.ConnectionDocument? connection = new Core.SignIn.UserConnection().Get();
            if (connection is null)
            {
                yield break;
            }

            if (!string.IsNullOrEmpty(connection.Organization))
            {
                yield return Completion.Item(connection.Organization!, $"{connection.Organization} (your connection's organization)");
            }

            foreach (string name in connection.KnownOrganizations ?? new List<string>())
            {
                yield return Completion.Item(name, $"{name} (one of your organizations)");
            }
        }
    }

    /// <summary>Repository SSH URLs used before (access checks and clones that worked), newest first.</summary>
    public sealed class RepositoryUrlCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completion.Safely(wordToComplete, () => Core.Storage.RecentValues.Read(Core.Storage.RecentValues.Repositories));
    }

    /// <summary>Azure DevOps SSH key ids seen in Add- and Get-AzDevOpsSshKey, with their description.</summary>
    public sealed class SshKeyIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completion.Safely(wordToComplete, () => Core.Storage.RecentValues.Read(Core.Storage.RecentValues.SshKeys));
    }

    /// <summary>-OAuthScope: the Azure DevOps scopes this module's use needs or tolerates.</summary>
    public sealed class OAuthScopeCompleter : IArgumentCompleter
    {
        private static readonly KeyValuePair<string, string>[] Scopes =
        {
            Completion.Item("vso.code_write", "Code (read and write): what the product needs"),
            Completion.Item("vso.code", "Code (read)"),
            Completion.Item("vso.code_manage", "Code (read, write and manage)"),
            Completion.Item("vso.profile", "User profile (read): lets Connect list your organizations"),
            Completion.Item("499b84ac-1321-427f-aa17-267ca6975798/.default", "Microsoft Entra ID: every permission granted to the app"),
            Completion.Item("499b84ac-1321-427f-aa17-267ca6975798/vso.code_write", "Microsoft Entra ID: Code (read and write)"),
        };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completion.Safely(wordToComplete, () => Scopes);
    }

    /// <summary>-TenantId: the tenants of the registration and the connection, then the well-known names.</summary>
    public sealed class TenantCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completion.Safely(wordToComplete, Values);

        private static IEnumerable<KeyValuePair<string, string>> Values()
        {
            var values = new List<KeyValuePair<string, string>>();
            foreach (Core.Storage.StateScope scope in new[] { Core.Storage.StateScope.CurrentUser, Core.Storage.StateScope.AllUsers })
            {
                try
                {
                    Core.Registration.AppRegistration? registration = new Core.Registration.RegistrationService(scope).Get();
                    if (!string.IsNullOrEmpty(registration?.TenantId))
                    {
                        values.Add(Completion.Item(registration!.TenantId!, $"{registration.TenantId} (the {scope} registration's tenant)"));
                    }
                }
                catch (Core.PfaException)
                {
                    // An unreadable registration offers nothing.
                }
            }

            string? connected = new Core.SignIn.UserConnection().Get()?.TenantId;
            if (!string.IsNullOrEmpty(connected))
            {
                values.Add(Completion.Item(connected!, $"{connected} (your connection's tenant)"));
            }

            values.Add(Completion.Item("organizations", "organizations: any work or school account"));
            values.Add(Completion.Item("common", "common: work, school and personal accounts"));
            return values;
        }
    }

    /// <summary>-CertificateThumbprint: certificates with a private key in the CurrentUser\My store.</summary>
    public sealed class CertificateThumbprintCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completion.Safely(wordToComplete, Values);

        private static IEnumerable<KeyValuePair<string, string>> Values()
        {
            var values = new List<KeyValuePair<string, string>>();
            using (var store = new System.Security.Cryptography.X509Certificates.X509Store(System.Security.Cryptography.X509Certificates.StoreName.My, System.Security.Cryptography.X509Certificates.StoreLocation.CurrentUser))
            {
                store.Open(System.Security.Cryptography.X509Certificates.OpenFlags.ReadOnly | System.Security.Cryptography.X509Certificates.OpenFlags.OpenExistingOnly);
                foreach (System.Security.Cryptography.X509Certificates.X509Certificate2 certificate in store.Certificates)
                {
                    if (certificate.HasPrivateKey)
                    {
                        values.Add(Completion.Item(certificate.Thumbprint, $"{certificate.Subject} (expires {certificate.NotAfter:yyyy-MM-dd})"));
                    }
                }
            }

            return values;
        }
    }
}
