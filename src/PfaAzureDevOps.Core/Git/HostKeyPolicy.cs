// Over 450 lines: not yet split by responsibility. The split is the structure step (issue 12); see
// docs/ARCHITECTURE.md, "Known structural debt", for what goes where.
using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Git
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
                    throw new PfaException(
                        ErrorIds.KnownHostsUnreadable,
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

        /// <summary>The OpenSSH SHA-256 fingerprint (<c>SHA256:</c> + unpadded base64) of a public key blob.</summary>
        public static string ComputeFingerprint(byte[] publicKeyBlob)
        {
            using (SHA256 sha = SHA256.Create())
            {
                return "SHA256:" + Convert.ToBase64String(sha.ComputeHash(publicKeyBlob)).TrimEnd('=');
            }
        }

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
                throw new PfaException(
                    ErrorIds.HostKeyFingerprintInvalid,
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

            return GitSshUrl.IsAzureDevOpsHost(host) ? new[] { "ssh-rsa" } : null;
        }

        /// <summary>Verifies a received host key; the verdict says why not, without throwing.</summary>
        internal HostKeyVerdict Verify(string host, int port, byte[] keyBlob)
        {
            string actual = ComputeFingerprint(keyBlob);
            string keyType = ReadKeyType(keyBlob);

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

            if (GitSshUrl.IsAzureDevOpsHost(host) && port == GitSshUrl.DefaultPort)
            {
                return string.Equals(AzureDevOpsFingerprint, actual, StringComparison.Ordinal)
                    ? HostKeyVerdict.Trusted(actual, keyType)
                    : HostKeyVerdict.Mismatch(actual, keyType, "expected " + AzureDevOpsFingerprint + " (Azure DevOps' published fingerprint)");
            }

            return HostKeyVerdict.Unknown(actual, keyType);
        }

        /// <summary>The first SSH string of a public key blob: its key type (ssh-rsa, ssh-ed25519, ...).</summary>
        internal static string ReadKeyType(byte[] blob)
        {
            if (blob.Length < 4)
            {
                return "unknown";
            }

            int length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
            if (length <= 0 || length > blob.Length - 4 || length > 64)
            {
                return "unknown";
            }

            return Encoding.ASCII.GetString(blob, 4, length);
        }
    }

    internal sealed class HostKeyVerdict
    {
        private HostKeyVerdict(bool trusted, bool known, string actual, string keyType, string? expectation)
        {
            IsTrusted = trusted;
            IsKnown = known;
            ActualFingerprint = actual;
            KeyType = keyType;
            Expectation = expectation;
        }

        public bool IsTrusted { get; }

        /// <summary>False when no pin exists for the host.</summary>
        public bool IsKnown { get; }

        public string ActualFingerprint { get; }

        public string KeyType { get; }

        public string? Expectation { get; }

        public static HostKeyVerdict Trusted(string actual, string keyType) => new HostKeyVerdict(true, true, actual, keyType, null);

        public static HostKeyVerdict Mismatch(string actual, string keyType, string expectation) => new HostKeyVerdict(false, true, actual, keyType, expectation);

        public static HostKeyVerdict Unknown(string actual, string keyType) => new HostKeyVerdict(false, false, actual, keyType, null);

        public PfaException ToException(string host, int port)
        {
            string where = port == GitSshUrl.DefaultPort ? host : host + ":" + port;
            if (!IsKnown)
            {
                return new PfaException(
                    ErrorIds.SshHostKeyUnknown,
                    PfaErrorKind.SecurityError,
                    $"The SSH host key of '{where}' is not pinned, and host keys are never trusted on first use. The server presented {KeyType} key {ActualFingerprint}. Check that fingerprint with the server's owner (for example on the server: ssh-keygen -l -f /etc/ssh/ssh_host_{ShortType(KeyType)}_key.pub), then pass it with -HostKeyFingerprint '{ActualFingerprint}', or pass -KnownHostsPath with an OpenSSH known_hosts file that lists the host.",
                    where)
                {
                    RecommendedAction = "Verify the fingerprint out of band, then pass -HostKeyFingerprint or -KnownHostsPath.",
                };
            }

            return new PfaException(
                ErrorIds.SshHostKeyMismatch,
                PfaErrorKind.SecurityError,
                $"The SSH host key of '{where}' does not match: {Expectation}, but the server presented {KeyType} key {ActualFingerprint}. This could be an attack (someone intercepting the connection) or a legitimately changed host key. Nothing was sent. Confirm the new fingerprint with the server's owner before updating -HostKeyFingerprint or the known_hosts file.",
                where)
            {
                RecommendedAction = "Do not continue until the server's owner confirms the new host key fingerprint.",
            };
        }

        private static string ShortType(string keyType)
        {
            if (keyType == "ssh-ed25519")
            {
                return "ed25519";
            }

            if (keyType.StartsWith("ecdsa", StringComparison.Ordinal))
            {
                return "ecdsa";
            }

            return "rsa";
        }
    }

    /// <summary>One line of an OpenSSH known_hosts file (plain, wildcard, negated, hashed |1| and [host]:port forms).</summary>
    internal sealed class KnownHostEntry
    {
        private readonly string[] _patterns;
        private readonly byte[]? _salt;
        private readonly byte[]? _hash;
        private readonly byte[] _key;

        private KnownHostEntry(string[] patterns, byte[]? salt, byte[]? hash, string keyType, byte[] key, bool revoked)
        {
            _patterns = patterns;
            _salt = salt;
            _hash = hash;
            KeyType = keyType;
            _key = key;
            IsRevoked = revoked;
            Fingerprint = HostKeyPolicy.ComputeFingerprint(key);
        }

        public string KeyType { get; }

        public bool IsRevoked { get; }

        public string Fingerprint { get; }

        public bool HasKey(byte[] blob)
        {
            if (blob.Length != _key.Length)
            {
                return false;
            }

            for (int i = 0; i < blob.Length; i++)
            {
                if (blob[i] != _key[i])
                {
                    return false;
                }
            }

            return true;
        }

        public static List<KnownHostEntry> ParseAll(string text)
        {
            var list = new List<KnownHostEntry>();
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                string[] fields = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                int index = 0;
                bool revoked = false;
                if (fields[0].StartsWith("@", StringComparison.Ordinal))
                {
                    if (fields[0] == "@revoked")
                    {
                        revoked = true;
                    }
                    else
                    {
                        continue; // @cert-authority: certificates are not supported; skip rather than trust.
                    }

                    index = 1;
                }

                if (fields.Length < index + 3)
                {
                    continue;
                }

                byte[] key;
                try
                {
                    key = Convert.FromBase64String(fields[index + 2]);
                }
                catch (FormatException)
                {
                    continue;
                }

                string keyType = HostKeyPolicy.ReadKeyType(key);
                if (!string.Equals(keyType, fields[index + 1], StringComparison.Ordinal))
                {
                    continue;
                }

                string hosts = fields[index];
                if (hosts.StartsWith("|1|", StringComparison.Ordinal))
                {
                    string[] parts = hosts.Split('|');
                    if (parts.Length != 4)
                    {
                        continue;
                    }

                    try
                    {
                        list.Add(new KnownHostEntry(Array.Empty<string>(), Convert.FromBase64String(parts[2]), Convert.FromBase64String(parts[3]), keyType, key, revoked));
                    }
                    catch (FormatException)
                    {
                    }

                    continue;
                }

                list.Add(new KnownHostEntry(hosts.Split(','), null, null, keyType, key, revoked));
            }

            return list;
        }

        public bool Matches(string host, int port)
        {
            string name = port == GitSshUrl.DefaultPort ? host.ToLowerInvariant() : "[" + host.ToLowerInvariant() + "]:" + port;
            if (_salt != null && _hash != null)
            {
                using (var hmac = new HMACSHA1(_salt))
                {
                    byte[] computed = hmac.ComputeHash(Encoding.UTF8.GetBytes(name));
                    if (computed.Length != _hash.Length)
                    {
                        return false;
                    }

                    int diff = 0;
                    for (int i = 0; i < computed.Length; i++)
                    {
                        diff |= computed[i] ^ _hash[i];
                    }

                    return diff == 0;
                }
            }

            bool matched = false;
            foreach (string pattern in _patterns)
            {
                bool negated = pattern.StartsWith("!", StringComparison.Ordinal);
                string p = (negated ? pattern.Substring(1) : pattern).ToLowerInvariant();
                if (Wildcard(p, name))
                {
                    if (negated)
                    {
                        return false;
                    }

                    matched = true;
                }
            }

            return matched;
        }

        private static bool Wildcard(string pattern, string text)
        {
            int p = 0, t = 0, star = -1, mark = 0;
            while (t < text.Length)
            {
                if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
                {
                    p++;
                    t++;
                }
                else if (p < pattern.Length && pattern[p] == '*')
                {
                    star = p++;
                    mark = t;
                }
                else if (star >= 0)
                {
                    p = star + 1;
                    t = ++mark;
                }
                else
                {
                    return false;
                }
            }

            while (p < pattern.Length && pattern[p] == '*')
            {
                p++;
            }

            return p == pattern.Length;
        }
    }
}
