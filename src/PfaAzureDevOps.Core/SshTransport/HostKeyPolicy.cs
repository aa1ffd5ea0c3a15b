using System;
using System.Collections.Generic;
using System.IO;
using PfaAzureDevOps.Core.Ssh;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.SshTransport
{
    /// <summary>
    /// Decides whether an SSH server's host key is the expected one. Never trusts on first use: a host with no
    /// pin (explicit fingerprint, known_hosts entry, or the built-in Azure DevOps fingerprint) is refused.
    /// </summary>
    public sealed class HostKeyPolicy
    {
        /// <summary>Azure DevOps' published host key fingerprint (RSA 2048) for ssh.dev.azure.com and vs-ssh.visualstudio.com.</summary>
        public const string AzureDevOpsFingerprint = "SHA256:ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og";

        private readonly string? _fingerprint;
        private readonly List<KnownHostEntry> _knownHosts;

        private HostKeyPolicy(string? fingerprint, string? knownHostsPath, List<KnownHostEntry> knownHosts)
        {
            _fingerprint = fingerprint;
            KnownHostsPath = knownHostsPath;
            _knownHosts = knownHosts;
        }

        /// <summary>Only the built-in pins (Azure DevOps).</summary>
        public static HostKeyPolicy Default { get; } = new HostKeyPolicy(null, null, new List<KnownHostEntry>());

        /// <summary>The expected fingerprint (<c>SHA256:...</c>), when one was given.</summary>
        public string? ExpectedFingerprint => _fingerprint;

        /// <summary>The known_hosts file read, when one was given.</summary>
        public string? KnownHostsPath { get; }

        /// <summary>
        /// A policy from an explicit fingerprint and/or an OpenSSH known_hosts file. An explicit fingerprint wins,
        /// then matching known_hosts entries, then the built-in Azure DevOps pin.
        /// </summary>
        public static HostKeyPolicy Create(string? fingerprint, string? knownHostsPath)
        {
            string? normalized = fingerprint == null || fingerprint.Trim().Length == 0 ? null : NormalizeFingerprint(fingerprint);
            List<KnownHostEntry> entries = new List<KnownHostEntry>();
            string? path = null;
            if (knownHostsPath != null && knownHostsPath.Trim().Length > 0)
            {
                path = Path.GetFullPath(knownHostsPath);
                string text;
                try
                {
                    // A regular file only (a FIFO never makes the check hang), of a bounded size, read within a bounded time.
                    text = new System.Text.UTF8Encoding(false).GetString(Rules.FileRules.ReadBounded(path, 16L * 1024 * 1024, "known_hosts file", ErrorIds.KnownHostsUnreadable));
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException)
                {
                    throw new PfaException(ErrorIds.KnownHostsUnreadable,
                        PfaErrorKind.ResourceUnavailable,
                        $"The known_hosts file '{path}' cannot be read: {ex.Message}. Pass an existing OpenSSH known_hosts file (for example one written by 'ssh-keyscan <host> > known_hosts' and checked), or pass -HostKeyFingerprint instead.",
                        path,
                        ex);
                }

                entries = KnownHostEntry.ParseAll(text);
            }

            return new HostKeyPolicy(normalized, path, entries);
        }

        public static HostKeyPolicy FromFingerprint(string fingerprint) => Create(fingerprint ?? throw new ArgumentNullException(nameof(fingerprint)), null);

        public static HostKeyPolicy FromKnownHostsFile(string path) => Create(null, path ?? throw new ArgumentNullException(nameof(path)));

        /// <summary>A policy from known_hosts text (no file).</summary>
        public static HostKeyPolicy FromKnownHostsText(string text) =>
            new HostKeyPolicy(null, null, KnownHostEntry.ParseAll(text ?? throw new ArgumentNullException(nameof(text))));

        /// <summary>
        /// Accepts <c>SHA256:base64</c> (padding optional) or bare base64 of a 32-byte digest; returns <c>SHA256:</c> + unpadded base64.
        /// </summary>
        public static string NormalizeFingerprint(string fingerprint)
        {
            string text = fingerprint.Trim();
            if (text.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase))
            {
                text = text.Substring("SHA256:".Length);
            }

            string core = text.TrimEnd('=');
            byte[]? digest = null;
            if (core.Length == 43)
            {
                try
                {
                    digest = Convert.FromBase64String(core + "=");
                }
                catch (FormatException)
                {
                    digest = null;
                }
            }

            if (digest == null || digest.Length != 32)
            {
                throw new PfaException(ErrorIds.HostKeyFingerprintInvalid,
                    PfaErrorKind.InvalidArgument,
                    "The host key fingerprint is not an OpenSSH SHA-256 fingerprint. Pass it as 'SHA256:' followed by 43 base64 characters, as printed by 'ssh-keygen -l -f <host key .pub file>' or 'ssh-keyscan <host> | ssh-keygen -lf -' (MD5 fingerprints are not accepted).",
                    fingerprint);
            }

            return "SHA256:" + core;
        }

        /// <summary>The public key algorithm names worth negotiating for this host, or null for SSH.NET's defaults.</summary>
        internal IReadOnlyCollection<string>? PreferredKeyTypes(string host, int port)
        {
            if (_fingerprint != null)
            {
                return null;
            }

            var types = new List<string>();
            foreach (KnownHostEntry entry in _knownHosts)
            {
                if (!entry.IsRevoked && entry.Matches(host, port) && !types.Contains(entry.KeyType))
                {
                    types.Add(entry.KeyType);
                }
            }

            if (types.Count > 0)
            {
                return types;
            }

            return SshEndpoint.IsAzureDevOpsHost(host) ? new[] { "ssh-rsa" } : null;
        }

        /// <summary>Verifies a received host key; the verdict says why not, without throwing.</summary>
        internal HostKeyVerdict Verify(string host, int port, byte[] keyBlob)
        {
            string actual = SshFingerprint.Sha256(keyBlob);
            string keyType = SshFingerprint.ReadKeyType(keyBlob);

            foreach (KnownHostEntry entry in _knownHosts)
            {
                if (entry.IsRevoked && entry.Matches(host, port) && entry.HasKey(keyBlob))
                {
                    return HostKeyVerdict.Mismatch(actual, keyType, "the key is marked @revoked in " + (KnownHostsPath ?? "the known_hosts data"));
                }
            }

            if (_fingerprint != null)
            {
                return string.Equals(_fingerprint, actual, StringComparison.Ordinal)
                    ? HostKeyVerdict.Trusted(actual, keyType)
                    : HostKeyVerdict.Mismatch(actual, keyType, "expected " + _fingerprint + " (the fingerprint passed in)");
            }

            bool hostListed = false;
            var expected = new List<string>();
            foreach (KnownHostEntry entry in _knownHosts)
            {
                if (entry.IsRevoked || !entry.Matches(host, port))
                {
                    continue;
                }

                hostListed = true;
                if (entry.HasKey(keyBlob))
                {
                    return HostKeyVerdict.Trusted(actual, keyType);
                }

                expected.Add(entry.Fingerprint);
            }

            if (hostListed)
            {
                return HostKeyVerdict.Mismatch(actual, keyType, "expected " + string.Join(" or ", expected) + " (from " + (KnownHostsPath ?? "the known_hosts data") + ")");
            }

            if (SshEndpoint.IsAzureDevOpsHost(host) && port == SshEndpoint.DefaultPort)
            {
                return string.Equals(AzureDevOpsFingerprint, actual, StringComparison.Ordinal)
                    ? HostKeyVerdict.Trusted(actual, keyType)
                    : HostKeyVerdict.Mismatch(actual, keyType, "expected " + AzureDevOpsFingerprint + " (Azure DevOps' published fingerprint)");
            }

            return HostKeyVerdict.Unknown(actual, keyType);
        }
    }
}
