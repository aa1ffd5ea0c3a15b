using System;
using System.Globalization;
using PfaAzureDevOps.Core.SshTransport;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>
    /// A git remote reached over SSH: scp-style <c>[user@]host:path</c> (Azure DevOps:
    /// <c>git@ssh.dev.azure.com:v3/{org}/{project}/{repo}</c>) or <c>ssh://[user@]host[:port]/path</c>.
    /// </summary>
    public sealed class GitSshUrl
    {
        public const string DefaultUser = "git";
        public const int DefaultPort = SshEndpoint.DefaultPort;

        private const string AcceptedShapes =
            "Use an SSH remote such as 'git@ssh.dev.azure.com:v3/{organization}/{project}/{repository}' (scp-style [user@]host:path) or 'ssh://[user@]host[:port]/path'.";

        private GitSshUrl(string user, string host, int port, string path, bool isScpStyle, string original)
        {
            User = user;
            Host = host;
            Port = port;
            Path = path;
            IsScpStyle = isScpStyle;
            Original = original;
        }

        /// <summary>The login name; <c>git</c> when the URL names none.</summary>
        public string User { get; }

        /// <summary>The host name or address (IPv6 without brackets).</summary>
        public string Host { get; }

        public int Port { get; }

        /// <summary>The repository path exactly as sent to <c>git-upload-pack</c> (Azure DevOps: <c>v3/org/project/repo</c>).</summary>
        public string Path { get; }

        /// <summary>Whether the URL was written scp-style (<c>host:path</c>).</summary>
        public bool IsScpStyle { get; }

        /// <summary>The text this URL was parsed from.</summary>
        public string Original { get; }

        /// <summary>The organization of an Azure DevOps path (<c>v3/{organization}/{project}/{repository}</c>); null for any other shape.</summary>
        public string? AzureDevOpsOrganization
        {
            get
            {
                string[] parts = Path.TrimStart('/').Split('/');
                return parts.Length >= 4 && string.Equals(parts[0], "v3", StringComparison.OrdinalIgnoreCase) && parts[1].Length > 0
                    ? Uri.UnescapeDataString(parts[1])
                    : null;
            }
        }

        /// <summary>Whether the host is Azure DevOps' SSH endpoint (ssh.dev.azure.com or the legacy vs-ssh.visualstudio.com).</summary>
        public bool IsAzureDevOps => IsAzureDevOpsHost(Host);

        internal static bool IsAzureDevOpsHost(string host) => SshEndpoint.IsAzureDevOpsHost(host);

        /// <summary>The host as OpenSSH writes it in known_hosts: <c>host</c> on port 22, else <c>[host]:port</c>.</summary>
        internal string KnownHostsName => SshEndpoint.KnownHostsNameOf(Host, Port);

        /// <summary>Where the SSH transport connects for this repository (errors name the URL).</summary>
        public SshEndpoint ToEndpoint() => new SshEndpoint(Host, Port, User, ToString());

        public static bool TryParse(string? url, out GitSshUrl? result)
        {
            result = null;
            try
            {
                result = Parse(url!);
                return true;
            }
            catch (PfaException)
            {
                return false;
            }
        }

        public static GitSshUrl Parse(string url)
        {
            if (url == null || url.Trim().Length == 0)
            {
                throw Invalid(url ?? string.Empty, "the URL is empty");
            }

            string text = url.Trim();
            foreach (char c in text)
            {
                if (char.IsControl(c) || char.IsWhiteSpace(c))
                {
                    throw Invalid(text, "it contains white space or control characters");
                }
            }

            if (text.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("git+ssh://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("ssh+git://", StringComparison.OrdinalIgnoreCase))
            {
                return ParseSshScheme(text);
            }

            if (text.Contains("://"))
            {
                throw Invalid(text, "only SSH remotes are supported here (HTTPS and other schemes are not)");
            }

            return ParseScp(text);
        }

        private static GitSshUrl ParseSshScheme(string text)
        {
            string rest = text.Substring(text.IndexOf("://", StringComparison.Ordinal) + 3);
            int slash = rest.IndexOf('/');
            if (slash < 0)
            {
                throw Invalid(text, "it has no repository path after the host");
            }

            string authority = rest.Substring(0, slash);
            string path = rest.Substring(slash);
            string user = DefaultUser;
            int at = authority.LastIndexOf('@');
            if (at >= 0)
            {
                user = Uri.UnescapeDataString(authority.Substring(0, at));
                authority = authority.Substring(at + 1);
                if (user.Length == 0 || user.IndexOf(':') >= 0)
                {
                    throw Invalid(text, "the user name is empty or carries a password (SSH remotes authenticate with a key)");
                }
            }

            string host;
            int port = DefaultPort;
            if (authority.StartsWith("[", StringComparison.Ordinal))
            {
                int close = authority.IndexOf(']');
                if (close < 0)
                {
                    throw Invalid(text, "an IPv6 address is missing its closing ']'");
                }

                host = authority.Substring(1, close - 1);
                string after = authority.Substring(close + 1);
                if (after.Length > 0)
                {
                    if (after[0] != ':')
                    {
                        throw Invalid(text, "unexpected text after the host");
                    }

                    port = ParsePort(text, after.Substring(1));
                }
            }
            else
            {
                int colon = authority.LastIndexOf(':');
                if (colon >= 0)
                {
                    port = ParsePort(text, authority.Substring(colon + 1));
                    authority = authority.Substring(0, colon);
                }

                host = authority;
            }

            ValidateHost(text, host);

            // git's rule: "/~user/x" is sent as "~user/x"; any other path is sent absolute.
            if (path.StartsWith("/~", StringComparison.Ordinal))
            {
                path = path.Substring(1);
            }

            ValidatePath(text, path);
            return new GitSshUrl(user, host, port, path, isScpStyle: false, text);
        }

        private static GitSshUrl ParseScp(string text)
        {
            string user = DefaultUser;
            string rest = text;
            int colonIndex;
            string host;
            if (rest.Contains("@"))
            {
                int at = rest.IndexOf('@');
                int firstColon = rest.IndexOf(':');
                if (firstColon >= 0 && firstColon < at)
                {
                    throw Invalid(text, "the user name carries a password or the shape is not [user@]host:path");
                }

                user = rest.Substring(0, at);
                rest = rest.Substring(at + 1);
                if (user.Length == 0)
                {
                    throw Invalid(text, "the user name before '@' is empty");
                }
            }

            if (rest.StartsWith("[", StringComparison.Ordinal))
            {
                int close = rest.IndexOf(']');
                if (close < 0 || close + 1 >= rest.Length || rest[close + 1] != ':')
                {
                    throw Invalid(text, "the shape is not [user@]host:path");
                }

                host = rest.Substring(1, close - 1);
                colonIndex = close + 1;
            }
            else
            {
                colonIndex = rest.IndexOf(':');
                if (colonIndex <= 0)
                {
                    throw Invalid(text, "it is neither an ssh:// URL nor scp-style [user@]host:path");
                }

                host = rest.Substring(0, colonIndex);
            }

            // "C:\repo" or "C:/repo" is a local Windows path, not a host called C.
            if (host.Length == 1 && char.IsLetter(host[0]))
            {
                throw Invalid(text, "it looks like a local path");
            }

            if (host.IndexOf('/') >= 0)
            {
                throw Invalid(text, "it looks like a local path");
            }

            ValidateHost(text, host);
            string path = rest.Substring(colonIndex + 1);
            ValidatePath(text, path);
            return new GitSshUrl(user, host, DefaultPort, path, isScpStyle: true, text);
        }

        private static int ParsePort(string text, string value)
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port < 1 || port > 65535)
            {
                throw Invalid(text, "the port is not a number from 1 to 65535");
            }

            return port;
        }

        private static void ValidateHost(string text, string host)
        {
            if (host.Length == 0)
            {
                throw Invalid(text, "the host is empty");
            }

            if (host.StartsWith("-", StringComparison.Ordinal))
            {
                throw Invalid(text, "the host starts with '-'");
            }

            foreach (char c in host)
            {
                if (!(char.IsLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '%'))
                {
                    throw Invalid(text, "the host contains '" + c + "'");
                }
            }

            // The whole host is checked here, before anything resolves it in DNS: an IP literal, or a DNS name of
            // ASCII labels (1-63 characters, no empty label, none starting or ending with '-').
            if (host.IndexOf(':') >= 0)
            {
                if (!System.Net.IPAddress.TryParse(host.Split('%')[0], out System.Net.IPAddress? v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
                {
                    throw Invalid(text, "the host '" + host + "' is not a valid IPv6 address");
                }

                return;
            }

            if (host.Length > 253 || host.IndexOf('%') >= 0)
            {
                throw Invalid(text, "the host '" + host + "' is not a valid host name");
            }

            foreach (string label in host.TrimEnd('.').Split('.'))
            {
                bool ascii = true;
                foreach (char c in label)
                {
                    ascii &= c < 128;
                }

                if (label.Length == 0 || label.Length > 63 || !ascii || label.StartsWith("-", StringComparison.Ordinal) || label.EndsWith("-", StringComparison.Ordinal))
                {
                    throw Invalid(text, "the host '" + host + "' is not a valid host name (each part between dots is 1-63 letters, digits or '-', and does not start or end with '-')");
                }
            }
        }

        private static void ValidatePath(string text, string path)
        {
            if (path.Length == 0 || path == "/")
            {
                throw Invalid(text, "it has no repository path");
            }

            if (path.StartsWith("-", StringComparison.Ordinal))
            {
                throw Invalid(text, "the path starts with '-'");
            }
        }

        private static PfaException Invalid(string text, string why) =>
            new PfaException(ErrorIds.GitUrlInvalid,
                PfaErrorKind.InvalidArgument,
                $"'{text}' is not a usable git SSH URL: {why}. {AcceptedShapes}",
                text);

        /// <summary>The URL in the form git accepts: scp-style when it was written so (port 22), else <c>ssh://</c>.</summary>
        public override string ToString()
        {
            string hostPart = Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host;
            if (IsScpStyle && Port == DefaultPort)
            {
                return User + "@" + hostPart + ":" + Path;
            }

            string path = Path.StartsWith("/", StringComparison.Ordinal) ? Path : "/" + Path;
            string port = Port == DefaultPort ? string.Empty : ":" + Port.ToString(CultureInfo.InvariantCulture);
            return "ssh://" + User + "@" + hostPart + port + path;
        }
    }
}
