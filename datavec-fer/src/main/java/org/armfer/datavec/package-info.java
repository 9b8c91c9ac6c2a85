/** datavec-fer */
package org.armfer.datavec;
