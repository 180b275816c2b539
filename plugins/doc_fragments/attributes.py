# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attributes shared by the collection's file-editing actions (the edit runs on the controller)."""

from __future__ import annotations


class ModuleDocFragment(object):
    """kata.node.attributes, and kata.node.attributes.files for actions that write through ansible.builtin.copy."""

    DOCUMENTATION = r"""
attributes:
  action:
    support: full
    description: The edit happens on the controller; the node only runs standard modules.
  async:
    support: none
    description: Not supported.
  bypass_host_loop:
    support: none
    description: Runs once per host.
  check_mode:
    support: full
    description: Predicts changed and shows the diff without writing.
  diff_mode:
    support: full
    description: Shows the text diff of the file.
  platform:
    support: full
    platforms: posix
    description: Any POSIX node with Python.
"""

    FILES = r"""
attributes:
  safe_file_operations:
    support: full
    description: The new file replaces the old one atomically (through M(ansible.builtin.copy)).
  vault:
    support: none
    description: Reads nothing from the controller, so vaulted files do not apply.
"""
