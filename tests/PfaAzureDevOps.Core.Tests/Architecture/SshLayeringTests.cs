using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Architecture
{
    /// <summary>
    /// The SSH parts depend one way (docs/ARCHITECTURE.md): SSH keys (Ssh/) know nothing of the transport or git; the
    /// transport (SshTransport/) knows keys but not git; git (Git/) may use both. A source scan of the engine's folders.
    /// </summary>
    public sealed class SshLayeringTests
    {
        private static readonly Regex Uses = new Regex(@"\b(?:using\s+PfaAzureDevOps\.Core\.(?<ns>\w+)\s*;|(?:PfaAzureDevOps\.)?Core\.(?<ns>\w+)\.|(?<![\w.])(?<ns>Git|SshTransport|Ssh|Platform|Storage|Rules)\.[A-Z]\w*)", RegexOptions.Compiled);

        [Theory]
        [InlineData("Ssh", "SshTransport")]
        [InlineData("Ssh", "Git")]
        [InlineData("SshTransport", "Git")]
        [InlineData("Platform", "Ssh")]
        [InlineData("Platform", "SshTransport")]
        [InlineData("Platform", "Git")]
        [InlineData("Platform", "Storage")]
        public void A_lower_layer_does_not_use_a_higher_one(string folder, string forbidden)
        {
            List<string> offenders = References(folder).Where(r => r.Namespace == forbidden).Select(r => r.File + ": " + r.Text).ToList();
            Assert.True(offenders.Count == 0, $"{folder}/ uses {forbidden}/:{Environment.NewLine}{string.Join(Environment.NewLine, offenders)}");
        }

        [Fact]
        public void Only_one_type_is_named_SshPrivateKey_and_one_place_computes_fingerprints()
        {
            string core = CoreFolder();
            string[] sources = Directory.GetFiles(core, "*.cs", SearchOption.AllDirectories);
            Assert.Single(sources, f => Regex.IsMatch(File.ReadAllText(f), @"\b(class|struct)\s+SshPrivateKey\b"));
            Assert.Single(sources, f => File.ReadAllText(f).Contains("\"SHA256:\" + Convert.ToBase64String", StringComparison.Ordinal));
        }

        [Fact]
        public void The_scan_sees_a_reference_where_one_is()
        {
            // The test above would pass on an empty folder or a regex that never matches: make sure it finds Git's real uses.
            Assert.Contains(References("Git"), r => r.Namespace == "SshTransport");
            Assert.Contains(References("SshTransport"), r => r.Namespace == "Ssh");
        }

        private static IEnumerable<(string File, string Namespace, string Text)> References(string folder)
        {
            string directory = Path.Combine(CoreFolder(), folder);
            Assert.True(Directory.Exists(directory), directory + " does not exist");
            foreach (string file in Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories))
            {
                foreach (string line in File.ReadAllLines(file))
                {
                    string code = line.TrimStart();
                    if (code.StartsWith("//", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    foreach (Match match in Uses.Matches(code))
                    {
                        yield return (Path.GetFileName(file), match.Groups["ns"].Value, code.Trim());
                    }
                }
            }
        }

        private static string CoreFolder()
        {
            for (DirectoryInfo? directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "src", "PfaAzureDevOps.Core");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("src/PfaAzureDevOps.Core was not found above " + AppContext.BaseDirectory);
        }
    }
}
