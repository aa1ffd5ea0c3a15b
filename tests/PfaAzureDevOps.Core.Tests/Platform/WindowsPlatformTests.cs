using System;
using System.Collections.Generic;
using System.Text;
using PfaAzureDevOps.Core.Platform;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Platform
{
    /// <summary>The Windows-only plumbing, everything but the operating-system call: the ACL built and the command line quoted.</summary>
    public sealed class WindowsPlatformTests
    {
        private const string Sid = "S-1-5-21-3623811015-3361044348-30300820-1013";

        [Fact]
        public void The_owner_only_ACL_is_owned_by_the_user_protected_and_grants_only_the_user_full_control()
        {
            Assert.Equal("O:" + Sid + "D:P(A;;FA;;;" + Sid + ")", WindowsOwnerOnlyFile.Sddl(Sid));
        }

        [Theory]
        [InlineData("")]
        [InlineData("BA")]
        [InlineData("S-1-5-21-1)(A;;FA;;;WD")]
        [InlineData("S-1-5:21")]
        public void The_owner_only_ACL_refuses_anything_but_a_SID(string value)
        {
            Assert.Throws<ArgumentException>(() => WindowsOwnerOnlyFile.Sddl(value));
        }

        [Theory]
        [InlineData(new[] { "fetch", "--progress", "origin" }, "fetch --progress origin")]
        [InlineData(new[] { "clone", "C:\\Users\\a b\\repo" }, "clone \"C:\\Users\\a b\\repo\"")]
        [InlineData(new[] { "C:\\Program Files\\Git\\" }, "\"C:\\Program Files\\Git\\\\\"")]
        [InlineData(new[] { "" }, "\"\"")]
        [InlineData(new[] { "say \"hi\"" }, "\"say \\\"hi\\\"\"")]
        [InlineData(new[] { "a\\\\b" }, "a\\\\b")]
        [InlineData(new[] { "x\\\"y" }, "\"x\\\\\\\"y\"")]
        public void Arguments_are_quoted_for_the_Windows_command_line(string[] arguments, string expected)
        {
            Assert.Equal(expected, WindowsCommandLine.Join(arguments));
        }

        [Fact]
        public void The_Windows_command_line_parser_gives_every_argument_back_exactly()
        {
            var arguments = new List<string>
            {
                "", "a b", "a\"b", "C:\\Program Files\\Git\\", "\\\\server\\share\\", "x\\\"y", "tab\there", "trailing\\\\",
                "-c", "core.sshCommand=ssh -i 'C:\\Users\\a b\\key' -o IdentitiesOnly=yes", "\"", "\\", "ends with quote\"", "multi\nline",
                "git@ssh.dev.azure.com:v3/samplecorp/Modules/puppet-base",
            };
            Assert.Equal(arguments, CommandLineToArgv(WindowsCommandLine.Join(arguments)));
        }

        /// <summary>
        /// The Microsoft C runtime's rules (CommandLineToArgvW, "Parsing C command-line arguments"): 2n backslashes before a
        /// quote give n backslashes and toggle quoting; 2n+1 give n and a literal quote; other backslashes are literal.
        /// </summary>
        private static List<string> CommandLineToArgv(string line)
        {
            var result = new List<string>();
            int i = 0;
            while (i < line.Length)
            {
                while (i < line.Length && (line[i] == ' ' || line[i] == '\t'))
                {
                    i++;
                }

                if (i >= line.Length)
                {
                    break;
                }

                var current = new StringBuilder();
                bool quoted = false;
                while (i < line.Length && (quoted || (line[i] != ' ' && line[i] != '\t')))
                {
                    if (line[i] == '\\')
                    {
                        int start = i;
                        while (i < line.Length && line[i] == '\\')
                        {
                            i++;
                        }

                        int count = i - start;
                        if (i < line.Length && line[i] == '"')
                        {
                            current.Append('\\', count / 2);
                            if (count % 2 == 1)
                            {
                                current.Append('"');
                                i++;
                            }
                        }
                        else
                        {
                            current.Append('\\', count);
                        }
                    }
                    else if (line[i] == '"')
                    {
                        quoted = !quoted;
                        i++;
                    }
                    else
                    {
                        current.Append(line[i]);
                        i++;
                    }
                }

                result.Add(current.ToString());
            }

            return result;
        }
    }
}
